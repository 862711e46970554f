//! The real `polso-server` binary: its administrator command line, and a
//! running server on 127.0.0.1 whose every written byte is kept (across
//! kills and restarts), so a test can search it for what must not be logged.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use anyhow::{Context, Result, bail, ensure};

/// The built server binary: `POLSO_SERVER_BINARY`, or `polso-server` in the
/// target directory the running test binary was built into.
pub fn server_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("POLSO_SERVER_BINARY") {
        return PathBuf::from(path);
    }
    // A test binary lives in target/<profile>/deps/.
    let exe = std::env::current_exe().unwrap_or_default();
    let profile_dir = exe.parent().and_then(Path::parent).map(Path::to_path_buf).unwrap_or_default();
    profile_dir.join("polso-server")
}

/// Runs one administrative command on `database` and returns its stdout, trimmed.
pub fn admin(database: &Path, arguments: &[&str]) -> Result<String> {
    let output =
        Command::new(server_binary()).arg("--db").arg(database).args(arguments).output().with_context(
            || format!("running {} (build it: cargo build -p polso-server)", server_binary().display()),
        )?;
    ensure!(
        output.status.success(),
        "polso-server {arguments:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(String::from_utf8(output.stdout)?.trim().to_owned())
}

/// Runs one administrative command and returns (stdout, stderr), trimmed.
pub fn admin_with_stderr(database: &Path, arguments: &[&str]) -> Result<(String, String)> {
    let output = Command::new(server_binary()).arg("--db").arg(database).args(arguments).output()?;
    ensure!(
        output.status.success(),
        "polso-server {arguments:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok((
        String::from_utf8(output.stdout)?.trim().to_owned(),
        String::from_utf8(output.stderr)?.trim().to_owned(),
    ))
}

/// A running server; killed (SIGKILL) when killed or dropped.
pub struct RunningServer {
    child: Child,
    /// The server's address, such as `http://127.0.0.1:40123`.
    pub url: String,
    /// The bound socket address.
    pub address: std::net::SocketAddr,
    output: Arc<Mutex<Vec<u8>>>,
    readers: Vec<JoinHandle<()>>,
}

impl RunningServer {
    /// Serves `database` on a free port, logging at its most talkative, with
    /// everything it writes appended to `output`.
    pub fn start(database: &Path, output: Arc<Mutex<Vec<u8>>>) -> Result<RunningServer> {
        RunningServer::start_logging(database, output, "trace")
    }

    /// [`RunningServer::start`] with `RUST_LOG` set to `log_filter`.
    pub fn start_logging(
        database: &Path,
        output: Arc<Mutex<Vec<u8>>>,
        log_filter: &str,
    ) -> Result<RunningServer> {
        let mut child = Command::new(server_binary())
            .arg("--db")
            .arg(database)
            .args(["serve", "--listen", "127.0.0.1:0", "--max-random-delay-seconds", "0"])
            .env("RUST_LOG", log_filter)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {}", server_binary().display()))?;
        let mut stdout = BufReader::new(child.stdout.take().context("no stdout")?);
        let mut first_line = String::new();
        stdout.read_line(&mut first_line)?;
        let Some(address) = first_line.trim().strip_prefix("polso-server listening on http://") else {
            let _ = child.kill();
            let _ = child.wait();
            bail!("unexpected first line from polso-server: {first_line:?}");
        };
        let address: std::net::SocketAddr = address.parse()?;
        if let Ok(mut output) = output.lock() {
            output.extend_from_slice(first_line.as_bytes());
        }
        let mut stderr = child.stderr.take().context("no stderr")?;
        let readers = vec![
            drain_into(output.clone(), move |buffer| stdout.read(buffer)),
            drain_into(output.clone(), move |buffer| stderr.read(buffer)),
        ];
        Ok(RunningServer { child, url: format!("http://{address}"), address, output, readers })
    }

    /// Kills the server with SIGKILL and waits for its output to be drained.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Everything written so far (by this and earlier runs sharing the buffer).
    pub fn output(&self) -> Vec<u8> {
        self.output.lock().map(|output| output.clone()).unwrap_or_default()
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Copies what `read` yields into `output` until the stream ends.
fn drain_into(
    output: Arc<Mutex<Vec<u8>>>,
    mut read: impl FnMut(&mut [u8]) -> std::io::Result<usize> + Send + 'static,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok(n) = read(&mut buffer) {
            if n == 0 {
                break;
            }
            if let Ok(mut output) = output.lock() {
                output.extend_from_slice(&buffer[..n]);
            }
        }
    })
}

/// An organisation set up through the administrator's command line.
pub struct Organisation {
    /// The organisation's id.
    pub id: String,
    /// Department ids, in the order created.
    pub departments: Vec<String>,
    /// Team ids, with their department's index.
    pub teams: Vec<(usize, String)>,
}

/// Creates an organisation named `name` with `teams_per_department` teams in
/// each of `departments` departments.
pub fn organisation(
    database: &Path,
    name: &str,
    departments: usize,
    teams_per_department: usize,
) -> Result<Organisation> {
    let id = admin(database, &["init-org", "--name", name])?;
    let mut organisation = Organisation { id, departments: Vec::new(), teams: Vec::new() };
    for department_index in 0..departments {
        let department = admin(
            database,
            &[
                "add-department",
                "--organisation",
                &organisation.id,
                "--name",
                &format!("Department {department_index}"),
            ],
        )?;
        for team_index in 0..teams_per_department {
            let team = admin(
                database,
                &["add-team", "--department", &department, "--name", &format!("Team {team_index}")],
            )?;
            organisation.teams.push((department_index, team));
        }
        organisation.departments.push(department);
    }
    Ok(organisation)
}

/// An invite code for `team` good for `uses` devices.
pub fn invite(database: &Path, team: &str, uses: usize) -> Result<String> {
    admin(database, &["create-invite", "--team", team, "--uses", &uses.to_string()])
}
