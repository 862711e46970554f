//! The real `polso-server` binary: its administrator command line, and a
//! running server on 127.0.0.1 whose every written byte is kept (across
//! kills and restarts), so a test can search it for what must not be logged.
//!
//! A server started with [`RunningServer::start_at`] runs its calendar from a
//! given instant (`serve --now`), so a test can put it in the week devices
//! enrol in, the week after (when they report), and past publication, on
//! the same database (see [`crate::calendar`]). Without it the server reads
//! the system clock. Either way the server's own collection window applies
//! (48 h announced delay, 72 h acceptance) unless a test passes other
//! `serve` arguments.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use polso_test_support::server::ServerProcess;

/// Where a server keeps its data, as its command line names it: an SQLite
/// file (`--db`, the embedded default; any `Path`) or a PostgreSQL database
/// ([`Postgres`], `--database-url`).
pub trait Database {
    /// The arguments that name it on `polso-server`'s command line.
    fn arguments(&self) -> [std::ffi::OsString; 2];
}

impl Database for Path {
    fn arguments(&self) -> [std::ffi::OsString; 2] {
        ["--db".into(), self.into()]
    }
}

impl Database for PathBuf {
    fn arguments(&self) -> [std::ffi::OsString; 2] {
        self.as_path().arguments()
    }
}

/// A database as a running server was told it.
struct Named([std::ffi::OsString; 2]);

impl Database for Named {
    fn arguments(&self) -> [std::ffi::OsString; 2] {
        self.0.clone()
    }
}

/// A PostgreSQL database by its URL.
#[derive(Debug, Clone)]
pub struct Postgres(pub String);

impl Database for Postgres {
    fn arguments(&self) -> [std::ffi::OsString; 2] {
        ["--database-url".into(), self.0.clone().into()]
    }
}

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
pub fn admin(database: &(impl Database + ?Sized), arguments: &[&str]) -> Result<String> {
    admin_with_stderr(database, arguments).map(|(stdout, _)| stdout)
}

/// Runs one administrative command and returns (stdout, stderr), trimmed.
pub fn admin_with_stderr(
    database: &(impl Database + ?Sized),
    arguments: &[&str],
) -> Result<(String, String)> {
    let mut command = Command::new(server_binary());
    command.args(database.arguments());
    polso_test_support::server::run_admin(command, arguments)
}

/// `serve` arguments that lift the per-address rate limits. Every test but
/// the hardening ones starts the server with them: a load test enrols
/// hundreds of devices from 127.0.0.1, a bad-input test sends dozens of wrong
/// tokens, and neither is about the limits (tests/faults/it/hardening.rs is).
pub const RELAXED_RATE_LIMITS: &[&str] = &["--enrolment-burst", "1000000", "--auth-failure-burst", "1000000"];

/// A running server; killed (SIGKILL) when killed or dropped.
pub struct RunningServer {
    process: ServerProcess,
    /// The server's address, such as `http://127.0.0.1:40123`.
    pub url: String,
    /// The bound socket address.
    pub address: std::net::SocketAddr,
    /// How it was started, for [`RunningServer::restart_at`].
    database: [std::ffi::OsString; 2],
    log_filter: String,
    serve_arguments: Vec<String>,
}

impl RunningServer {
    /// Serves `database` on a free port, logging at its most talkative, with
    /// everything it writes appended to `output`.
    pub fn start(database: &(impl Database + ?Sized), output: Arc<Mutex<Vec<u8>>>) -> Result<RunningServer> {
        RunningServer::start_logging(database, output, "trace")
    }

    /// [`RunningServer::start`] with `RUST_LOG` set to `log_filter`.
    pub fn start_logging(
        database: &(impl Database + ?Sized),
        output: Arc<Mutex<Vec<u8>>>,
        log_filter: &str,
    ) -> Result<RunningServer> {
        RunningServer::start_with(database, output, log_filter, RELAXED_RATE_LIMITS, None)
    }

    /// Serves `database` with `serve_arguments` added to `serve` (and not
    /// [`RELAXED_RATE_LIMITS`]: the server's own defaults apply unless given),
    /// under an open-file limit of `open_files` when given.
    pub fn start_with(
        database: &(impl Database + ?Sized),
        output: Arc<Mutex<Vec<u8>>>,
        log_filter: &str,
        serve_arguments: &[&str],
        open_files: Option<u32>,
    ) -> Result<RunningServer> {
        let mut command = match open_files {
            None => Command::new(server_binary()),
            Some(limit) => {
                // The shell lowers its limit and becomes the server (same process id).
                let mut command = Command::new("sh");
                command
                    .args(["-c", "ulimit -n \"$0\" && exec \"$@\"", &limit.to_string()])
                    .arg(server_binary());
                command
            }
        };
        let database = database.arguments();
        command
            .args(&database)
            .arg("serve")
            .args(if serve_arguments.contains(&"--listen") {
                &[][..]
            } else {
                &["--listen", "127.0.0.1:0"][..]
            })
            .args(serve_arguments)
            .env("RUST_LOG", log_filter);
        let process = ServerProcess::spawn(command, output)
            .with_context(|| format!("starting {}", server_binary().display()))?;
        let address: std::net::SocketAddr = process.address().parse()?;
        Ok(RunningServer {
            url: process.url().to_owned(),
            process,
            address,
            database,
            log_filter: log_filter.to_owned(),
            serve_arguments: serve_arguments.iter().map(|argument| (*argument).to_owned()).collect(),
        })
    }

    /// Serves `database` with its calendar running from `now`, with
    /// [`RELAXED_RATE_LIMITS`], logging at its most talkative.
    pub fn start_at(
        database: &(impl Database + ?Sized),
        output: Arc<Mutex<Vec<u8>>>,
        now: DateTime<Utc>,
    ) -> Result<RunningServer> {
        RunningServer::start_at_with(database, output, now, &[])
    }

    /// [`RunningServer::start_at`] with `serve_arguments` added, such as
    /// `--max-random-delay-seconds 0`.
    pub fn start_at_with(
        database: &(impl Database + ?Sized),
        output: Arc<Mutex<Vec<u8>>>,
        now: DateTime<Utc>,
        serve_arguments: &[&str],
    ) -> Result<RunningServer> {
        RunningServer::start_at_logging(database, output, now, "trace", serve_arguments)
    }

    /// [`RunningServer::start_at_with`] with `RUST_LOG` set to `log_filter`.
    pub fn start_at_logging(
        database: &(impl Database + ?Sized),
        output: Arc<Mutex<Vec<u8>>>,
        now: DateTime<Utc>,
        log_filter: &str,
        serve_arguments: &[&str],
    ) -> Result<RunningServer> {
        let now_text = crate::calendar::rfc3339(now);
        let mut arguments: Vec<&str> = RELAXED_RATE_LIMITS.to_vec();
        arguments.extend(["--now", now_text.as_str()]);
        arguments.extend(serve_arguments);
        RunningServer::start_with(database, output, log_filter, &arguments, None)
    }

    /// Kills the server (SIGKILL) and starts it again on the same database,
    /// address and arguments, with its calendar running from `now`: devices
    /// keep the server address they enrolled with, so a test moves the
    /// server's clock (from the week devices enrol in to the week after, and
    /// past publication) without them noticing.
    pub fn restart_at(self, now: DateTime<Utc>) -> Result<RunningServer> {
        let (database, output, log_filter, address) =
            (self.database.clone(), self.process.output_buffer(), self.log_filter.clone(), self.address);
        let mut arguments: Vec<String> = Vec::new();
        let mut previous = self.serve_arguments.iter();
        while let Some(argument) = previous.next() {
            if argument == "--now" || argument == "--listen" {
                previous.next();
            } else {
                arguments.push(argument.clone());
            }
        }
        self.kill();
        arguments.extend([
            "--listen".to_owned(),
            address.to_string(),
            "--now".to_owned(),
            crate::calendar::rfc3339(now),
        ]);
        let arguments: Vec<&str> = arguments.iter().map(String::as_str).collect();
        RunningServer::start_with(&Named(database), output, &log_filter, &arguments, None)
    }

    /// Kills the server with SIGKILL and waits for its output to be drained.
    pub fn kill(self) {
        self.process.stop();
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.process.is_running()
    }

    /// Everything written so far (by this and earlier runs sharing the buffer).
    pub fn output(&self) -> Vec<u8> {
        self.process.output()
    }
}

/// The head-count [`organisation`] declares for every team: more devices than
/// any test enrols into one team.
pub const TEAM_HEADCOUNT: u32 = 100;

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
/// each of `departments` departments, each of head-count [`TEAM_HEADCOUNT`].
pub fn organisation(
    database: &(impl Database + ?Sized),
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
                &[
                    "add-team",
                    "--department",
                    &department,
                    "--name",
                    &format!("Team {team_index}"),
                    "--headcount",
                    &TEAM_HEADCOUNT.to_string(),
                ],
            )?;
            organisation.teams.push((department_index, team));
        }
        organisation.departments.push(department);
    }
    Ok(organisation)
}

/// Enrols `n` devices with `code` on `server` through `POST /v1/enrol`; their tokens.
pub fn enrol_devices(server: &RunningServer, code: &str, n: usize) -> Result<Vec<String>> {
    (0..n)
        .map(|_| {
            let body = serde_json::json!({"wire_version": 1, "invite_code": code});
            let (status, answer) = post_json(&server.url, "/v1/enrol", None, &body)?;
            anyhow::ensure!(status == 201, "enrolment: {status} {answer}");
            answer["device_token"]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| anyhow::anyhow!("no device token in {answer}"))
        })
        .collect()
}

/// An invite code for `team` good for `uses` devices.
pub fn invite(database: &(impl Database + ?Sized), team: &str, uses: usize) -> Result<String> {
    admin(database, &["create-invite", "--team", team, "--uses", &uses.to_string()])
}

/// Every row of every table of the server's database at `database` but the
/// tables in `except`, as text: one table's name, then one line per row.
pub fn database_dump(database: &Path, except: &[&str]) -> Result<String> {
    let connection = rusqlite::Connection::open(database)?;
    let tables: Vec<String> = connection
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut text = String::new();
    for table in tables.iter().filter(|table| !except.contains(&table.as_str())) {
        let mut statement = connection.prepare(&format!("SELECT * FROM \"{table}\" ORDER BY 1"))?;
        let columns = statement.column_count();
        let rows = statement.query_map([], |row| {
            (0..columns)
                .map(|index| row.get::<_, rusqlite::types::Value>(index).map(|value| format!("{value:?}")))
                .collect::<rusqlite::Result<Vec<_>>>()
        })?;
        text.push_str(table);
        text.push('\n');
        for row in rows {
            text.push_str(&row?.join("|"));
            text.push('\n');
        }
    }
    Ok(text)
}

/// An HTTP client that returns error statuses as answers, for tests that check them.
fn answering_agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

/// Reads a JSON answer: its status and body; an answer that is not JSON is an error naming `path`.
fn json_answer(
    path: &str,
    mut response: ureq::http::Response<ureq::Body>,
) -> Result<(u16, serde_json::Value)> {
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string()?;
    let answer = serde_json::from_str(&text).with_context(|| format!("{path} answered {status}: {text}"))?;
    Ok((status, answer))
}

/// POSTs `body` as JSON to `url` + `path`, with `token` as bearer when given;
/// the status and the JSON answer.
pub fn post_json(
    url: &str,
    path: &str,
    token: Option<&str>,
    body: &serde_json::Value,
) -> Result<(u16, serde_json::Value)> {
    let mut request =
        answering_agent().post(&format!("{url}{path}")).header("Content-Type", "application/json");
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    json_answer(path, request.send(serde_json::to_string(body)?)?)
}

/// PUTs `body` as JSON to `url` + `path` with `token` as bearer; the status and the JSON answer.
pub fn put_json(
    url: &str,
    path: &str,
    token: &str,
    body: &serde_json::Value,
) -> Result<(u16, serde_json::Value)> {
    let request = answering_agent()
        .put(&format!("{url}{path}"))
        .header("Content-Type", "application/json")
        .header("Authorization", format!("Bearer {token}"));
    json_answer(path, request.send(serde_json::to_string(body)?)?)
}

/// GETs `url` + `path` with `token` as bearer; the status and the JSON answer.
pub fn get_json(url: &str, path: &str, token: &str) -> Result<(u16, serde_json::Value)> {
    let request =
        answering_agent().get(&format!("{url}{path}")).header("Authorization", format!("Bearer {token}"));
    json_answer(path, request.call()?)
}

/// The aggregate table of `key` at `unit` level for `week`, as HR with
/// `token` reads it; anything but 200 is an error naming the read.
pub fn read_aggregates(
    url: &str,
    token: &str,
    unit: &str,
    key: &str,
    week: polso_core::IsoWeek,
) -> Result<serde_json::Value> {
    let (status, table) =
        get_json(url, &format!("/v1/aggregates?unit={unit}&key={key}&from={week}&to={week}"), token)?;
    anyhow::ensure!(status == 200, "{unit} {key}: {status} {table}");
    Ok(table)
}

/// The cell of `unit_id` in an aggregate `table`.
pub fn cell_of(table: &serde_json::Value, unit_id: &str) -> Result<serde_json::Value> {
    table["cells"]
        .as_array()
        .and_then(|cells| cells.iter().find(|cell| cell["unit_id"] == unit_id))
        .cloned()
        .with_context(|| format!("no cell of {unit_id}: {table}"))
}
