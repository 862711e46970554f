//! The real `polso-server` binary as a test runs it: started with a serving command, its first
//! line read for the address it listens on, everything it writes on stdout and stderr kept for
//! the test to read (a test that looks for what the server must never log reads all of it), and
//! killed when stopped or dropped, so a failing test leaves no process behind.
//!
//! Each suite wraps it with what it needs besides (the server's own tests a raw HTTP request,
//! the fault suite restarts at the same address, the end-to-end suite the demo).

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use anyhow::{Context, Result, bail};

/// What a serving `polso-server` prints first, before the address.
const LISTENING: &str = "polso-server listening on ";

/// How long a server has to say where it listens (a debug build migrating a database on a
/// loaded two-core machine takes a few seconds).
const FIRST_LINE_WITHIN: std::time::Duration = std::time::Duration::from_secs(60);

/// A running server process.
pub struct ServerProcess {
    child: Child,
    url: String,
    output: Arc<Mutex<Vec<u8>>>,
    readers: Vec<JoinHandle<()>>,
}

impl ServerProcess {
    /// Starts `command`, a `polso-server` command that serves, with its stdout and stderr
    /// appended to `output`, and waits for its first line, the address it listens on. A command
    /// that says anything else, or nothing within [`FIRST_LINE_WITHIN`], is stopped, and the
    /// error quotes what it said on both.
    pub fn spawn(command: Command, output: Arc<Mutex<Vec<u8>>>) -> Result<ServerProcess> {
        ServerProcess::spawn_within(command, output, FIRST_LINE_WITHIN)
    }

    /// [`ServerProcess::spawn`], the first line awaited for `within`.
    fn spawn_within(
        mut command: Command,
        output: Arc<Mutex<Vec<u8>>>,
        within: std::time::Duration,
    ) -> Result<ServerProcess> {
        let program = command.get_program().to_string_lossy().into_owned();
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {program}"))?;
        let mut stdout = BufReader::new(child.stdout.take().context("the server's stdout")?);
        // A server that hangs before its first line is killed, which ends the read below.
        let (said, watchdog) = std::sync::mpsc::channel::<()>();
        let pid = child.id().to_string();
        std::thread::spawn(move || {
            if watchdog.recv_timeout(within).is_err() {
                let _ = Command::new("kill").args(["-9", &pid]).status();
            }
        });
        let mut first_line = String::new();
        let read = stdout.read_line(&mut first_line);
        let _ = said.send(());
        read.context("reading the server's first line")?;
        let Some(address) = first_line.trim().strip_prefix(LISTENING) else {
            // A command that fails says why on stderr and ends: it has two seconds to.
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
            while matches!(child.try_wait(), Ok(None)) && std::time::Instant::now() < deadline {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
            let mut stderr = String::new();
            if let Some(mut pipe) = child.stderr.take() {
                let _ = pipe.read_to_string(&mut stderr);
            }
            bail!("{program} did not say where it listens; it said {first_line:?}, and on stderr: {stderr}");
        };
        let url = if address.starts_with("http") { address.to_owned() } else { format!("http://{address}") };
        if let Ok(mut output) = output.lock() {
            output.extend_from_slice(first_line.as_bytes());
        }
        let mut stderr = child.stderr.take().context("the server's stderr")?;
        let readers = vec![
            drain_into(output.clone(), move |buffer| stdout.read(buffer)),
            drain_into(output.clone(), move |buffer| stderr.read(buffer)),
        ];
        Ok(ServerProcess { child, url, output, readers })
    }

    /// Its address with the scheme, such as `http://127.0.0.1:40123`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Its address without the scheme, such as `127.0.0.1:40123`.
    pub fn address(&self) -> &str {
        self.url.split_once("://").map_or(self.url.as_str(), |(_, address)| address)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process still runs.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The buffer its output goes to, for a process started after it to share.
    pub fn output_buffer(&self) -> Arc<Mutex<Vec<u8>>> {
        self.output.clone()
    }

    /// Everything it wrote so far.
    pub fn output(&self) -> Vec<u8> {
        self.output.lock().map(|output| output.clone()).unwrap_or_default()
    }

    /// Kills it (SIGKILL), waits for what it wrote to be read, and returns all of it.
    pub fn stop(mut self) -> Vec<u8> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        self.output()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        // Reached with the process running when a test failed midway.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs one administrative command of `polso-server`: `command` is the binary with the
/// database's arguments, `arguments` the command itself. Its (stdout, stderr), trimmed, or an
/// error quoting its stderr when it fails.
pub fn run_admin(mut command: Command, arguments: &[&str]) -> Result<(String, String)> {
    let program = command.get_program().to_string_lossy().into_owned();
    let output = command
        .args(arguments)
        .output()
        .with_context(|| format!("running {program} (build it: cargo build -p polso-server)"))?;
    if !output.status.success() {
        bail!("polso-server {arguments:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    Ok((
        String::from_utf8(output.stdout)?.trim().to_owned(),
        String::from_utf8(output.stderr)?.trim().to_owned(),
    ))
}

/// A thread that appends what `read` gives to `output` until the pipe closes.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    #[test]
    fn the_address_comes_from_the_first_line_and_every_line_after_it_is_kept() {
        let output = Arc::new(Mutex::new(Vec::new()));
        let script = "echo 'polso-server listening on http://127.0.0.1:40123'; echo to-stderr >&2; echo more; exec sleep 30";
        let server = ServerProcess::spawn(shell(script), output).unwrap();
        assert_eq!((server.url(), server.address()), ("http://127.0.0.1:40123", "127.0.0.1:40123"));
        std::thread::sleep(std::time::Duration::from_millis(200));
        let written = String::from_utf8(server.stop()).unwrap();
        for line in ["listening on", "to-stderr", "more"] {
            assert!(written.contains(line), "{written}");
        }
    }

    #[test]
    fn a_command_that_says_nothing_in_time_is_stopped() {
        let started = std::time::Instant::now();
        let silent = ServerProcess::spawn_within(
            shell("exec sleep 30"),
            Arc::default(),
            std::time::Duration::from_secs(1),
        );
        assert!(silent.is_err());
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "{:?}", started.elapsed());
    }

    #[test]
    fn a_command_that_does_not_serve_is_an_error_quoting_what_it_said() {
        let failed =
            ServerProcess::spawn(shell("echo 'no database'; echo 'it is missing' >&2"), Arc::default());
        let error = failed.err().unwrap().to_string();
        assert!(error.contains("no database") && error.contains("it is missing"), "{error}");
    }
}
