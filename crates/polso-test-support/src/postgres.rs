//! A throw-away PostgreSQL for the tests: Debian's server binaries, a fresh
//! cluster in a temporary directory, listening on a free loopback port, run
//! as an unprivileged user (PostgreSQL refuses root: as root it runs as the
//! `postgres` account the Debian package creates), stopped and deleted when
//! dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// A running temporary PostgreSQL.
pub struct TempPostgres {
    directory: PathBuf,
    bin: PathBuf,
    as_postgres_user: bool,
    /// `pg_ctl`'s `-o`: the port, socket directory and settings.
    server_options: String,
    /// Its URL, for `polso-server --database-url` and the tests.
    pub url: String,
}

impl TempPostgres {
    /// Creates and starts a cluster; fails with what to install when the
    /// server binaries are missing.
    pub fn start() -> Result<TempPostgres> {
        TempPostgres::start_with(None)
    }

    /// [`TempPostgres::start`] with TLS on, presenting the certificate chain
    /// `certificate_pem` with its private key `key_pem`; plain connections
    /// are still accepted, so a client decides by its `sslmode`.
    pub fn start_with_tls(certificate_pem: &str, key_pem: &str) -> Result<TempPostgres> {
        TempPostgres::start_with(Some((certificate_pem, key_pem)))
    }

    fn start_with(tls: Option<(&str, &str)>) -> Result<TempPostgres> {
        let bin = server_binaries()?;
        let as_postgres_user = is_root();
        let directory = temporary_directory()?;
        let port = free_port()?;
        let mut server_options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=300",
            directory.display()
        );
        if let Some((certificate_pem, key_pem)) = tls {
            let (certificate, key) = (directory.join("server.crt"), directory.join("server.key"));
            std::fs::write(&certificate, certificate_pem).context("writing the server's certificate")?;
            std::fs::write(&key, key_pem).context("writing the server's key")?;
            // PostgreSQL refuses a key that others may read.
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600))?;
            if as_postgres_user {
                run(Command::new("chown").arg("postgres").arg(&certificate).arg(&key), "chown")?;
            }
            server_options.push_str(&format!(
                " -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
                certificate.display(),
                key.display()
            ));
        }
        if as_postgres_user {
            run(Command::new("chown").arg("postgres").arg(&directory), "chown")?;
        }
        let data = directory.join("data");
        let postgres = TempPostgres {
            url: format!("postgres://polso@127.0.0.1:{port}/postgres"),
            server_options,
            directory: directory.clone(),
            bin: bin.clone(),
            as_postgres_user,
        };
        postgres.run_as_owner(
            &bin.join("initdb"),
            &["-D", &data.to_string_lossy(), "-A", "trust", "-U", "polso", "--no-sync", "-E", "UTF8"],
        )?;
        postgres.start_server()?;
        eprintln!("a temporary PostgreSQL listens on 127.0.0.1:{port}");
        Ok(postgres)
    }

    fn start_server(&self) -> Result<()> {
        self.pg_ctl(&[
            "-o",
            &self.server_options,
            "-l",
            &self.directory.join("log").to_string_lossy(),
            "-w",
            "start",
        ])
    }

    fn pg_ctl(&self, arguments: &[&str]) -> Result<()> {
        let data = self.directory.join("data");
        let mut all = vec!["-D", data.to_str().context("a temporary directory that is not UTF-8")?];
        all.extend(arguments);
        self.run_as_owner(&self.bin.join("pg_ctl"), &all)
    }

    /// The operating system user the server runs as, when not this process's own (`postgres`
    /// when the tests run as root): a directory it must write, such as a tablespace's, is
    /// given to it.
    pub fn owner(&self) -> Option<&'static str> {
        self.as_postgres_user.then_some("postgres")
    }

    /// Crashes the server (`pg_ctl stop -m immediate`: no checkpoint, every
    /// connection cut, recovery from the WAL at the next start) and starts it
    /// again on the same port.
    pub fn crash_and_restart(&self) -> Result<()> {
        self.pg_ctl(&["-m", "immediate", "-w", "stop"])?;
        self.start_server()
    }

    fn run_as_owner(&self, program: &Path, args: &[&str]) -> Result<()> {
        let mut command = if self.as_postgres_user {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        };
        command.args(args).current_dir(&self.directory);
        run(&mut command, &program.to_string_lossy())
    }
}

impl Drop for TempPostgres {
    fn drop(&mut self) {
        let stopped = self.pg_ctl(&["-m", "immediate", "stop"]);
        if let Err(error) = stopped {
            eprintln!("stopping the temporary PostgreSQL failed: {error:#}");
        }
        let _ = std::fs::remove_dir_all(&self.directory);
    }
}

/// The directory of Debian's PostgreSQL server binaries (the newest version installed).
fn server_binaries() -> Result<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    match versions.pop() {
        Some((_, bin)) => Ok(bin),
        None => bail!(
            "no PostgreSQL server found under /usr/lib/postgresql: install Debian's `postgresql` package \
             (scripts/install-system-packages.sh does)"
        ),
    }
}

/// A fresh private directory under the system's temporary directory.
fn temporary_directory() -> Result<PathBuf> {
    let output = Command::new("mktemp").args(["-d", "-t", "polso-postgres.XXXXXX"]).output()?;
    if !output.status.success() {
        bail!("mktemp failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    Ok(PathBuf::from(String::from_utf8(output.stdout)?.trim()))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
}

/// A loopback port that was free a moment ago.
fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

fn run(command: &mut Command, what: &str) -> Result<()> {
    let output = command.output().with_context(|| format!("starting {what}"))?;
    if !output.status.success() {
        bail!(
            "{what} failed ({}): {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}
