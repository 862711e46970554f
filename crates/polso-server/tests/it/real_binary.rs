//! The real `polso-server` binary on 127.0.0.1 with a temporary database:
//! the administrator's command line sets up an organisation, devices enrol
//! and report over HTTP, HR reads aggregates. Then the database files and the
//! server's own output are searched for a canary: answers only one device
//! sent, in every form a stored or logged report would take.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use polso_core::IsoWeek;
use polso_core::bank::ItemBank;
use polso_core::schedule::{DRIVERS, Schedule};
use polso_server::ServerStore;
use polso_test_support::server::ServerProcess;
use serde_json::{Value, json};

const SERVER: &str = env!("CARGO_BIN_EXE_polso-server");

/// Runs one administrative command and returns its stdout, trimmed.
pub(crate) fn admin(database: &Path, arguments: &[&str]) -> String {
    let mut command = Command::new(SERVER);
    command.arg("--db").arg(database);
    polso_test_support::server::run_admin(command, arguments).unwrap().0
}

/// The running server; killed when dropped, so a failing test leaves nothing behind.
pub(crate) struct RunningServer {
    process: ServerProcess,
    pub(crate) address: String,
}

impl RunningServer {
    /// Starts the server on `database` with its calendar running from `now` (RFC 3339).
    fn start(database: &Path, now: &str) -> RunningServer {
        RunningServer::spawn(database, &["serve", "--listen", "127.0.0.1:0", "--now", now])
    }

    /// Starts `polso-server --db database arguments…`, a command that serves
    /// (`serve`, `helper-serve`), and waits for the address it listens on.
    pub(crate) fn spawn(database: &Path, arguments: &[&str]) -> RunningServer {
        let mut command = Command::new(SERVER);
        // Log everything the server would log at its most talkative.
        command.arg("--db").arg(database).args(arguments).env("RUST_LOG", "trace");
        let process = ServerProcess::spawn(command, Arc::default()).unwrap();
        let address = process.address().to_owned();
        RunningServer { process, address }
    }

    /// The server's process id.
    pub(crate) fn pid(&self) -> u32 {
        self.process.pid()
    }

    /// Stops the server and returns everything it wrote.
    pub(crate) fn stop(self) -> Vec<u8> {
        self.process.stop()
    }

    /// One HTTP/1.1 request over a fresh connection; returns the status and the JSON body.
    pub(crate) fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut stream = TcpStream::connect(&self.address).unwrap();
        let body = body.map(|body| serde_json::to_vec(body).unwrap()).unwrap_or_default();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            self.address,
            body.len()
        );
        if let Some(token) = token {
            head.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(&body).unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let text = String::from_utf8(response).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(!head.to_lowercase().contains("transfer-encoding: chunked"), "{head}");
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        (status, serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body}")))
    }
}

pub(crate) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|window| window == needle)
}

#[test]
fn the_real_server_enrols_counts_releases_and_keeps_no_report() {
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("server.db");

    // The administrator sets up the organisation.
    let organisation_id = admin(&database, &["init-org", "--name", "Acme Assistenza"]);
    assert!(organisation_id.starts_with("org_"), "{organisation_id}");
    let support = admin(&database, &["add-department", "--name", "Customer support"]);
    let sales = admin(&database, &["add-department", "--name", "Sales"]);
    let help_desk =
        admin(&database, &["add-team", "--department", &support, "--name", "Help desk", "--headcount", "10"]);
    let _field = admin(&database, &["add-team", "--department", &support, "--name", "Field"]);
    let _inside_sales = admin(&database, &["add-team", "--department", &sales, "--name", "Inside sales"]);
    let invite =
        admin(&database, &["create-invite", "--team", &help_desk, "--expires-in-days", "7", "--uses", "10"]);
    let hr_token = admin(&database, &["create-hr-token"]);
    assert!(hr_token.starts_with("ph_"));
    let shown = admin(&database, &["show-org"]);
    assert!(shown.contains("Help desk") && shown.contains(&help_desk), "{shown}");

    // Exact values for this test's assertions; a new organisation has differential privacy on.
    admin(&database, &["set-dp", "--off"]);

    // The calendar (issue 11): devices enrol in 2026-W47, report it from the
    // Wednesday after, and HR reads it once its window closed (Saturday 28
    // November, 12:00 UTC, under the default delays). Three runs of the
    // server on the same database, each with its calendar set.
    let week = "2026-W47";
    let week_value: IsoWeek = week.parse().unwrap();
    // A metric the organisation's schedule (from the seed init-org drew)
    // asks that week, and every item it asks: reports answer exactly those.
    let (metric, asked) = {
        let store = polso_server::SqliteServerStore::open(&database).unwrap();
        let organisation = store.organisations().unwrap().remove(0);
        let bank = ItemBank::embedded();
        let schedule = Schedule::with_plan(bank, organisation.seed, &organisation.questionnaire);
        let asked: Vec<(String, u8, u8)> = schedule
            .items_for_week(week_value)
            .iter()
            .map(|id| {
                let scale = bank.scale_of(bank.item(id.as_str()).unwrap());
                (id.as_str().to_owned(), scale.min, scale.max)
            })
            .collect();
        let metric = DRIVERS
            .into_iter()
            .find(|&driver| schedule.asks_metric(bank, week_value, driver))
            .unwrap_or_else(|| bank.item(&asked[0].0).unwrap().metric);
        (metric.key(), asked)
    };
    // Everyone answers mid-scale, except the canary device: lowest, highest,
    // lowest, and a score nobody else gives.
    let ordinary = |position: usize| {
        json!({
            "wire_version": 1,
            "week": week,
            "items": asked.iter().map(|(id, min, max)| json!({"item_id": id, "value": (min + max) / 2})).collect::<Vec<_>>(),
            "metrics": [{"metric": metric, "score": 50.0 + position as f64}],
        })
    };
    let canary_items: Vec<Value> = asked
        .iter()
        .enumerate()
        .map(|(position, (id, min, max))| json!({"item_id": id, "value": if position % 2 == 0 { *min } else { *max }}))
        .collect();
    let canary_score = 12.345_678_9;
    let canary = json!({"wire_version": 1, "week": week, "items": canary_items, "metrics": [{"metric": metric, "score": canary_score}]});
    let team_query =
        format!("/v1/aggregates?unit=team&key={metric}&from={week}&to={week}&unit_id={help_desk}");
    let mut logs = Vec::new();

    // Wednesday of 2026-W47: six devices enrol; the week is still open.
    let server = RunningServer::start(&database, "2026-11-18T10:00:00Z");
    assert_eq!(server.request("GET", "/v1/health", None, None).0, 200);
    let mut tokens = Vec::new();
    for _ in 0..6 {
        let (status, enrolment) = server.request(
            "POST",
            "/v1/enrol",
            None,
            Some(&json!({"wire_version": 1, "invite_code": invite})),
        );
        assert_eq!(status, 201, "{enrolment}");
        assert_eq!(enrolment["team_id"], help_desk.as_str());
        assert_eq!(enrolment["organisation_id"], organisation_id.as_str());
        tokens.push(enrolment["device_token"].as_str().unwrap().to_owned());
    }
    let (status, error) = server.request("POST", "/v1/reports", Some(&tokens[0]), Some(&ordinary(0)));
    assert_eq!((status, error["code"].as_str()), (400, Some("week_not_open")), "{error}");
    // With the server's time, so a device whose clock runs ahead knows when to send again.
    assert_eq!(error["server_time"], "2026-11-18T10:00:00Z", "{error}");
    logs.extend(server.stop());

    // Wednesday of 2026-W48: the reports arrive; HR polls after each and sees nothing of the week.
    let server = RunningServer::start(&database, "2026-11-25T10:00:00Z");
    let canary_token = tokens[2].clone();
    let mut first_poll: Option<Value> = None;
    for (device, token) in tokens.iter().enumerate() {
        let report = if device == 2 { canary.clone() } else { ordinary(device) };
        let (status, ack) = server.request("POST", "/v1/reports", Some(token), Some(&report));
        assert_eq!((status, ack["status"].as_str()), (200, Some("accepted")), "{ack}");
        // A retry is acknowledged and not counted again.
        let (status, ack) = server.request("POST", "/v1/reports", Some(token), Some(&report));
        assert_eq!((status, ack["status"].as_str()), (200, Some("duplicate")), "{ack}");

        let (status, table) = server.request("GET", &team_query, Some(&hr_token), None);
        assert_eq!(status, 200, "{table}");
        assert_eq!(table["k"], 5);
        assert!(table["published_through"].is_null(), "{table}");
        assert_eq!(table["cells"], json!([]), "a collecting week is served: {table}");
        assert_eq!(table["next_publication"], json!({"week": week, "at": "2026-11-28T12:00:00Z"}), "{table}");
        match &first_poll {
            None => first_poll = Some(table),
            Some(first) => assert_eq!(&table, first, "a poll changed after report {device}"),
        }
    }

    // Bad input over the socket gets a JSON error and the server stays up.
    let (status, error) =
        server.request("POST", "/v1/reports", Some(&canary_token), Some(&json!({"wire_version": 1})));
    assert_eq!((status, error["code"].as_str()), (400, Some("invalid_input")), "{error}");
    let (status, error) = server.request("POST", "/v1/reports", Some("pd_nope"), Some(&canary));
    assert_eq!((status, error["code"].as_str()), (401, Some("unauthorized")), "{error}");
    assert_eq!(server.request("GET", "/v1/health", None, None).0, 200);
    logs.extend(server.stop());

    // Just after the window closed: the week is published at the first read.
    let server = RunningServer::start(&database, "2026-11-28T12:00:05Z");
    let (status, table) = server.request("GET", &team_query, Some(&hr_token), None);
    assert_eq!(status, 200, "{table}");
    assert_eq!(table["published_through"], week, "{table}");
    let cell = &table["cells"][0];
    assert_eq!((&cell["released"], &cell["n"]), (&json!(true), &json!(6)), "{cell}");
    let (status, table) = server.request(
        "GET",
        &format!("/v1/aggregates?unit=organisation&key={metric}&from={week}&to={week}"),
        Some(&hr_token),
        None,
    );
    assert_eq!(status, 200, "{table}");
    assert_eq!(table["cells"][0]["n"], 6);
    // A late report is refused and the release stays as it was.
    let (status, error) = server.request("POST", "/v1/reports", Some(&canary_token), Some(&canary));
    assert_eq!((status, error["code"].as_str()), (410, Some("week_published")), "{error}");
    let (_, again) = server.request("GET", &team_query, Some(&hr_token), None);
    assert_eq!(again["cells"][0], *cell);

    // Revoking the HR token takes effect at once, on the running server.
    let hr_token_id = {
        let output =
            Command::new(SERVER).arg("--db").arg(&database).args(["create-hr-token"]).output().unwrap();
        let stderr = String::from_utf8(output.stderr).unwrap();
        let id = stderr.split_whitespace().find(|word| word.starts_with("hr_")).unwrap().to_owned();
        let token = String::from_utf8(output.stdout).unwrap().trim().to_owned();
        assert_eq!(server.request("GET", &team_query, Some(&token), None).0, 200);
        admin(&database, &["revoke-hr-token", "--id", &id]);
        let (status, error) = server.request("GET", &team_query, Some(&token), None);
        assert_eq!((status, error["code"].as_str()), (401, Some("unauthorized")));
        id
    };
    assert!(hr_token_id.starts_with("hr_"));

    // k cannot be lowered now that reports exist.
    let output = Command::new(SERVER).arg("--db").arg(&database).args(["set-k", "4"]).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot be lowered"), "{output:?}");

    logs.extend(server.stop());
    assert!(
        contains(&logs, b"/v1/reports"),
        "the server logs its requests: {}",
        String::from_utf8_lossy(&logs)
    );

    // The canary, in every form a kept or logged report would take.
    let canary_json = serde_json::to_string(&canary).unwrap();
    let canary_items_json = serde_json::to_string(&canary["items"]).unwrap();
    let first_pair = serde_json::to_string(&canary_items[0]).unwrap();
    let canary_patterns: Vec<(&str, Vec<u8>)> = vec![
        ("the report's JSON", canary_json.into_bytes()),
        ("the items' JSON", canary_items_json.into_bytes()),
        ("one item-value pair's JSON", first_pair.into_bytes()),
        ("the score as text", b"12.3456789".to_vec()),
        ("the device token", canary_token.clone().into_bytes()),
        ("the invite code", invite.clone().into_bytes()),
        ("the HR token", hr_token.clone().into_bytes()),
    ];
    let mut files = vec![("the server's output".to_owned(), logs)];
    for entry in std::fs::read_dir(directory.path()).unwrap() {
        let path = entry.unwrap().path();
        files.push((path.display().to_string(), std::fs::read(&path).unwrap()));
    }
    assert!(files.iter().any(|(name, _)| name.ends_with("server.db-wal")), "the WAL should be scanned too");
    // A positive control: the scan does see what the server does keep.
    assert!(files.iter().any(|(_, contents)| contains(contents, b"Help desk")), "the scan reads nothing");
    for (name, contents) in &files {
        for (what, pattern) in &canary_patterns {
            assert!(!contains(contents, pattern), "{what} was found in {name}");
        }
    }
}
