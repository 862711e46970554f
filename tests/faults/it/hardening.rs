//! Issue 11, item 7: the real server binary on 127.0.0.1 under the cheap
//! attacks an insider or a passer-by can mount without any secret: idle and
//! slow connections, enrolment bursts, guessing tokens, and CX imports that
//! probe other departments or send oversized fields.
//!
//! These tests start the server with its own default rate limits (not the
//! harness's relaxed ones), and shorten the header timeout where they wait
//! for it, so each takes a few seconds at most.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use polso_api::WIRE_VERSION;
use polso_faults::server::{RunningServer, admin, invite, organisation};

/// The server on `database` with its default limits and `serve_arguments`.
fn strict_server(
    database: &Path,
    serve_arguments: &[&str],
    open_files: Option<u32>,
) -> Result<RunningServer> {
    RunningServer::start_with(database, Arc::new(Mutex::new(Vec::new())), "info", serve_arguments, open_files)
}

/// An agent that returns every status as an answer.
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into()
}

/// An answer: status, `Retry-After` if any, and the body.
struct Answer {
    status: u16,
    retry_after: Option<String>,
    body: String,
}

impl Answer {
    fn of(mut response: ureq::http::Response<ureq::Body>) -> Result<Answer> {
        let retry_after =
            response.headers().get("retry-after").and_then(|value| value.to_str().ok()).map(str::to_owned);
        Ok(Answer {
            status: response.status().as_u16(),
            retry_after,
            body: response.body_mut().read_to_string()?,
        })
    }

    fn code(&self) -> String {
        serde_json::from_str::<serde_json::Value>(&self.body)
            .ok()
            .and_then(|value| value["code"].as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

fn get_with(agent: &ureq::Agent, url: &str, token: &str) -> Result<Answer> {
    Answer::of(agent.get(url).header("Authorization", format!("Bearer {token}")).call()?)
}

fn post_with(
    agent: &ureq::Agent,
    url: &str,
    token: Option<&str>,
    content_type: &str,
    body: &str,
) -> Result<Answer> {
    let mut request = agent.post(url).header("Content-Type", content_type);
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    Answer::of(request.send(body)?)
}

fn enrol(agent: &ureq::Agent, url: &str, invite_code: &str) -> Result<Answer> {
    let body = serde_json::json!({"wire_version": WIRE_VERSION, "invite_code": invite_code}).to_string();
    post_with(agent, &format!("{url}/v1/enrol"), None, "application/json", &body)
}

/// Sends a plain `GET /v1/health` on a new connection and waits up to `patience` for the answer.
fn health_within(address: SocketAddr, patience: Duration) -> Result<String> {
    let mut stream = TcpStream::connect_timeout(&address, patience)?;
    stream.set_read_timeout(Some(patience))?;
    stream.write_all(b"GET /v1/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).context("waiting for the answer to /v1/health")?;
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

#[test]
fn idle_connections_do_not_starve_the_server() -> Result<()> {
    const IDLE_CONNECTIONS: usize = 1_100;
    let directory = tempfile::tempdir()?;
    let database = directory.path().join("server.db");
    organisation(&database, "Inattivi Srl", 1, 1)?;
    // The common default of 1,024 open files: without a connection cap, 1,100
    // idle connections use them all and `accept` fails for everyone after.
    let server = strict_server(&database, &["--header-read-timeout-seconds", "1"], Some(1_024))?;

    let mut idle = Vec::with_capacity(IDLE_CONNECTIONS);
    for index in 0..IDLE_CONNECTIONS {
        let stream = TcpStream::connect_timeout(&server.address, Duration::from_secs(2))
            .with_context(|| format!("opening idle connection {index} (the test needs 1,200 open files)"))?;
        idle.push(stream);
    }
    let started = Instant::now();
    let answer = health_within(server.address, Duration::from_secs(8))?;
    let waited = started.elapsed();
    ensure!(
        answer.starts_with("HTTP/1.1 200"),
        "no answer behind {IDLE_CONNECTIONS} idle connections: {answer:?}"
    );
    ensure!(waited < Duration::from_secs(6), "the answer took {waited:?} behind idle connections");
    drop(idle);
    Ok(())
}

#[test]
fn a_slow_header_is_cut_off() -> Result<()> {
    let directory = tempfile::tempdir()?;
    let database = directory.path().join("server.db");
    organisation(&database, "Lumaca Srl", 1, 1)?;
    let server = strict_server(&database, &["--header-read-timeout-seconds", "1"], None)?;

    // A slowloris: a request line, then one byte of header every 100 ms, never the blank line.
    let mut slow = TcpStream::connect(server.address)?;
    slow.set_read_timeout(Some(Duration::from_millis(100)))?;
    slow.write_all(b"GET /v1/health HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")?;
    let started = Instant::now();
    let cut_off_after = loop {
        if started.elapsed() > Duration::from_secs(5) {
            bail!("a header sent one byte at a time was still being read after 5 s");
        }
        if slow.write_all(b"a").is_err() {
            break started.elapsed();
        }
        let mut buffer = [0u8; 512];
        match slow.read(&mut buffer) {
            // Closed, or answered (an error) before the head was complete: cut off either way.
            Ok(_) => break started.elapsed(),
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => break started.elapsed(),
        }
    };
    ensure!(cut_off_after < Duration::from_secs(3), "cut off only after {cut_off_after:?}");
    // And the server still answers everyone else.
    let answer = health_within(server.address, Duration::from_secs(3))?;
    ensure!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
    Ok(())
}

#[test]
fn enrolment_bursts_from_one_address_are_rate_limited() -> Result<()> {
    let directory = tempfile::tempdir()?;
    let database = directory.path().join("server.db");
    let organisation = organisation(&database, "Raffica Srl", 1, 1)?;
    let code = invite(&database, &organisation.teams[0].1, 50)?;
    let server = strict_server(&database, &[], None)?;

    let agent = agent();
    let started = Instant::now();
    let answers: Vec<Answer> = (0..30).map(|_| enrol(&agent, &server.url, &code)).collect::<Result<_>>()?;
    let elapsed = started.elapsed();
    let enrolled = answers.iter().filter(|answer| answer.status == 201).count();
    let limited: Vec<&Answer> = answers.iter().filter(|answer| answer.status == 429).collect();
    ensure!(enrolled >= 1, "not even the first enrolment went through: {}", answers[0].body);
    ensure!(enrolled <= 10, "{enrolled} devices enrolled from one address in {elapsed:?}");
    ensure!(limited.len() + enrolled == answers.len(), "other answers than 201 and 429");
    for answer in &limited {
        ensure!(answer.code() == "rate_limited", "{}", answer.body);
        let retry_after: u64 = answer.retry_after.as_deref().context("no Retry-After")?.parse()?;
        ensure!((1..=60).contains(&retry_after), "Retry-After: {retry_after}");
    }
    Ok(())
}

#[test]
fn wrong_tokens_draw_a_rate_limit() -> Result<()> {
    let directory = tempfile::tempdir()?;
    let database = directory.path().join("server.db");
    let organisation = organisation(&database, "Tentativi Srl", 1, 1)?;
    let hr_token = admin(&database, &["create-hr-token", "--organisation", &organisation.id])?;
    let server = strict_server(&database, &[], None)?;
    let agent = agent();
    let units = format!("{}/v1/units", server.url);
    ensure!(get_with(&agent, &units, &hr_token)?.status == 200, "the real HR token is refused");

    // Ten wrong guesses of three kinds: HR tokens, device tokens, invite codes.
    let mut refused = Vec::new();
    for guess in 0..4 {
        refused.push(get_with(&agent, &units, &format!("ph_{guess:064x}"))?);
    }
    for guess in 0..3 {
        let report = serde_json::json!({"wire_version": WIRE_VERSION, "week": "2026-W01"}).to_string();
        let reports = format!("{}/v1/reports", server.url);
        refused.push(post_with(
            &agent,
            &reports,
            Some(&format!("pd_{guess:064x}")),
            "application/json",
            &report,
        )?);
    }
    for guess in 0..3 {
        refused.push(enrol(&agent, &server.url, &format!("WRONG-CODE-{guess}"))?);
    }
    for answer in &refused {
        ensure!(matches!(answer.status, 401 | 404), "a wrong guess drew {}: {}", answer.status, answer.body);
    }

    // Past them, every authenticated request from this address waits, the
    // real token's too: the answer to a guess no longer tells whether it was right.
    for token in ["ph_0123", hr_token.as_str()] {
        let answer = get_with(&agent, &units, token)?;
        ensure!(answer.status == 429, "after ten wrong guesses: {} {}", answer.status, answer.body);
        ensure!(answer.code() == "rate_limited", "{}", answer.body);
        let retry_after: u64 = answer.retry_after.as_deref().context("no Retry-After")?.parse()?;
        ensure!(retry_after >= 1, "Retry-After: {retry_after}");
    }
    let answer = enrol(&agent, &server.url, "WRONG-CODE-11")?;
    ensure!(answer.status == 429, "an invite guess after ten wrong guesses: {}", answer.status);
    Ok(())
}

/// POSTs `file` to `/v1/cx?dry_run=true` with `token`.
fn import_cx(agent: &ureq::Agent, url: &str, token: &str, file: &str) -> Result<Answer> {
    post_with(agent, &format!("{url}/v1/cx?dry_run=true"), Some(token), "text/csv", file)
}

#[test]
fn cx_errors_never_name_a_team_outside_the_tokens_scope() -> Result<()> {
    let directory = tempfile::tempdir()?;
    let database = directory.path().join("server.db");
    let organisation_id = admin(&database, &["init-org", "--name", "Reparti Srl"])?;
    let ours = admin(&database, &["add-department", "--organisation", &organisation_id, "--name", "Ours"])?;
    let theirs =
        admin(&database, &["add-department", "--organisation", &organisation_id, "--name", "Theirs"])?;
    admin(&database, &["add-team", "--department", &ours, "--name", "Help desk"])?;
    let secret_team = admin(&database, &["add-team", "--department", &theirs, "--name", "Secret project"])?;
    admin(&database, &["add-team", "--department", &theirs, "--name", "Help desk"])?;
    let scoped =
        admin(&database, &["create-hr-token", "--organisation", &organisation_id, "--departments", &ours])?;
    let server = strict_server(&database, &[], None)?;
    let agent = agent();

    // A row of a team of another department, and a row of a team that does not exist.
    let header = "team,week,metric,value,n\nHelp desk,2026-W10,CSAT,80,40\n";
    let out_of_scope =
        import_cx(&agent, &server.url, &scoped, &format!("{header}Secret project,2026-W10,NPS,12,30\n"))?;
    let nonexistent =
        import_cx(&agent, &server.url, &scoped, &format!("{header}Absent project,2026-W10,NPS,12,30\n"))?;
    ensure!(
        (out_of_scope.status, out_of_scope.code()) == (nonexistent.status, nonexistent.code()),
        "out of scope: {} {}; nonexistent: {} {}",
        out_of_scope.status,
        out_of_scope.body,
        nonexistent.status,
        nonexistent.body
    );
    ensure!(out_of_scope.status == 400, "{}", out_of_scope.body);
    // Word for word the same, but for the name the caller wrote.
    ensure!(
        out_of_scope.body.replace("Secret project", "<team>")
            == nonexistent.body.replace("Absent project", "<team>"),
        "out of scope: {}\nnonexistent: {}",
        out_of_scope.body,
        nonexistent.body
    );
    let without_own_text = out_of_scope.body.replace("Secret project", "");
    for leak in [secret_team.as_str(), theirs.as_str(), "Secret", "Theirs"] {
        ensure!(!without_own_text.contains(leak), "the answer names '{leak}': {}", out_of_scope.body);
    }

    // A name the token's team shares with a team of another department is simply its own team:
    // calling it ambiguous would tell that another department has a team of that name.
    let answer = import_cx(&agent, &server.url, &scoped, header)?;
    ensure!(answer.status == 200, "a row of the token's own team: {} {}", answer.status, answer.body);
    Ok(())
}

#[test]
fn cx_fields_longer_than_the_cap_are_refused_with_line_and_column() -> Result<()> {
    let directory = tempfile::tempdir()?;
    let database = directory.path().join("server.db");
    let organisation = organisation(&database, "Lunghezze Srl", 1, 1)?;
    let hr_token = admin(&database, &["create-hr-token", "--organisation", &organisation.id])?;
    let server = strict_server(&database, &[], None)?;

    let long_team = "Team ".repeat(2_000);
    let long_metric = "m".repeat(300);
    let file = format!(
        "team,week,metric,value,n\nTeam 0,2026-W10,CSAT,80,40\n{long_team},2026-W10,CSAT,80,40\nTeam 0,2026-W11,{long_metric},1,40\n"
    );
    let answer = import_cx(&agent(), &server.url, &hr_token, &file)?;
    ensure!(
        (answer.status, answer.code().as_str()) == (400, "invalid_input"),
        "{} {}",
        answer.status,
        answer.body
    );
    let body: serde_json::Value = serde_json::from_str(&answer.body)?;
    let errors = body["errors"].as_array().context("no errors listed")?;
    let places: Vec<(u64, u64)> = errors
        .iter()
        .map(|error| (error["line"].as_u64().unwrap_or(0), error["column"].as_u64().unwrap_or(0)))
        .collect();
    ensure!(places == [(3, 1), (4, 3)], "errors at {places:?}: {}", answer.body);
    for error in errors {
        let message = error["message"].as_str().unwrap_or_default();
        ensure!(message.contains("characters long"), "{message}");
    }
    // The long text itself is not sent back.
    ensure!(answer.body.len() < 2_000, "the answer has {} bytes", answer.body.len());
    Ok(())
}
