//! The real `polso-server` binary, for end-to-end tests: its administrator
//! command line, and a running server on a free port of 127.0.0.1 whose every
//! written byte is captured, so a test can search it for what must not be logged.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use anyhow::{Context, Result};
use polso_test_support::server::ServerProcess;

/// The built server binary, beside the app's.
pub fn server_binary() -> PathBuf {
    crate::app_binary().with_file_name("polso-server")
}

/// Runs one administrative command on `database` and returns its stdout, trimmed.
pub fn admin(database: &Path, arguments: &[&str]) -> Result<String> {
    let mut command = Command::new(server_binary());
    command.arg("--db").arg(database);
    polso_test_support::server::run_admin(command, arguments).map(|(stdout, _)| stdout)
}

/// Creates, with the administrator's command line, an organisation `organisation` with one
/// department "Operations" holding one team `team` of `headcount` people; the team's id.
pub fn one_team_organisation(
    database: &Path,
    organisation: &str,
    team: &str,
    headcount: u32,
) -> Result<String> {
    admin(database, &["init-org", "--name", organisation])?;
    let department = admin(database, &["add-department", "--name", "Operations"])?;
    admin(
        database,
        &["add-team", "--department", &department, "--name", team, "--headcount", &headcount.to_string()],
    )
}

/// A running server; killed when stopped or dropped.
pub struct RunningServer {
    process: ServerProcess,
    /// The server's address, such as `http://127.0.0.1:40123`.
    pub url: String,
}

impl RunningServer {
    /// Serves `database` on a free port, with `serve_arguments` added to
    /// `serve`, logging at its most talkative so nothing it could log is hidden.
    pub fn start(database: &Path, serve_arguments: &[&str]) -> Result<RunningServer> {
        RunningServer::start_listening(database, "127.0.0.1:0", serve_arguments)
    }

    /// Serves `database` as [`RunningServer::start`] does, its clock starting at
    /// [`crate::DEMO_SERVER_NOW`]: the published weeks are the same whatever the date.
    pub fn start_on_demo_clock(database: &Path) -> Result<RunningServer> {
        RunningServer::start(database, &["--now", crate::DEMO_SERVER_NOW])
    }

    /// Serves `database` again at the address of an earlier server (its
    /// `url`), so devices enrolled with it find it after a restart. Retries
    /// for a few seconds while the port is still held by the old process.
    pub fn restart_at(url: &str, database: &Path, serve_arguments: &[&str]) -> Result<RunningServer> {
        let address = url.trim_start_matches("http://").trim_end_matches('/');
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            match RunningServer::start_listening(database, address, serve_arguments) {
                Ok(server) => return Ok(server),
                Err(error) if std::time::Instant::now() < deadline => {
                    eprintln!("restarting polso-server at {address}: {error:#}; retrying");
                    std::thread::sleep(std::time::Duration::from_millis(200));
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// Runs the demo's set-up as `cargo xtask run` does (`polso-server demo
    /// --dir DIR`): seeds on the first run, serves on the last run's address
    /// while its port is free. Returns the server and the demo's facts from
    /// `DIR/demo.json`.
    pub fn start_demo(dir: &Path) -> Result<(RunningServer, serde_json::Value)> {
        let mut command = Command::new(server_binary());
        command.arg("demo").arg("--dir").arg(dir);
        let server = RunningServer::spawn(command)?;
        let facts_path = dir.join("demo.json");
        let facts = serde_json::from_str(
            &std::fs::read_to_string(&facts_path)
                .with_context(|| format!("reading {}", facts_path.display()))?,
        )?;
        Ok((server, facts))
    }

    fn start_listening(database: &Path, listen: &str, serve_arguments: &[&str]) -> Result<RunningServer> {
        let mut command = Command::new(server_binary());
        command.arg("--db").arg(database).args(["serve", "--listen", listen]).args(serve_arguments);
        RunningServer::spawn(command)
    }

    fn spawn(mut command: Command) -> Result<RunningServer> {
        command.env("RUST_LOG", "trace");
        let process = ServerProcess::spawn(command, Arc::default())?;
        Ok(RunningServer { url: process.url().to_owned(), process })
    }

    /// Stops the server and returns everything it wrote.
    pub fn stop(self) -> Vec<u8> {
        self.process.stop()
    }
}

/// The environment the demo's facts (`demo.json`) ask the app to be started
/// with, as `cargo xtask run` starts it.
pub fn demo_app_environment(facts: &serde_json::Value) -> Result<Vec<(String, String)>> {
    let pairs = facts["app_environment"].as_array().context("demo.json has no app_environment")?;
    pairs
        .iter()
        .map(|pair| match (pair[0].as_str(), pair[1].as_str()) {
            (Some(name), Some(value)) => Ok((name.to_owned(), value.to_owned())),
            _ => anyhow::bail!("demo.json's app_environment holds {pair}, not a [name, value] pair"),
        })
        .collect()
}
