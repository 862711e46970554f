//! Issue 16: attacks on anonymous comments, replies and "did it help?" against the real binary.
//!
//! - An insider alone cannot fill a batch around a colleague's comment: a device has at most one
//!   comment in its team's pool, so its further comments are refused and nothing is released.
//! - A team smaller than the batch never has its comments read: the head-count caps its devices,
//!   and its pool never reaches ten.
//! - Reading twice says nothing new: a released batch keeps its comments and their order, and
//!   carries no time but its day; a pooled comment cannot be replied to (answered as one that does
//!   not exist), nor read with a device token or another team's manager token.
//! - A thread is read only with its token: a guessed token is refused and counts as a failed
//!   attempt, so guessing is rate limited.
//! - "Did it help?" counts move only in steps of k; a second answer from a device, or an answer
//!   from another team's device, changes nothing.
//! - After a batch is released the database keeps nothing that ties a comment to a device, and
//!   the server's output holds no comment, reply or thread token.
//!
//! Checked by mutation (2026-12-06): without the one-comment-per-device rule in
//! `pool_comment`, the insider's ten comments release a batch and this test fails; with the
//! verdict counts released at every answer, it fails at the fourth answer; with the pending
//! authors kept after release, it fails on the database dump.

use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, ensure};
use polso_faults::calendar;
use polso_faults::server::{
    RunningServer, admin, database_dump, enrol_devices, get_json, invite, organisation, post_json,
};
use polso_server::secrets::{hash_secret, to_hex};
use serde_json::{Value, json};

fn token(label: &str) -> String {
    to_hex(&hash_secret(&format!("thread {label}")))
}

fn comment(server: &RunningServer, device: &str, text: &str, thread: &str) -> Result<(u16, Value)> {
    let body = json!({"wire_version": 1, "text": text, "thread_hash": to_hex(&hash_secret(thread))});
    post_json(&server.url, "/v1/comments", Some(device), &body)
}

fn thread(server: &RunningServer, thread: &str) -> Result<(u16, Value)> {
    post_json(&server.url, "/v1/comment-thread", None, &json!({"wire_version": 1, "thread_token": thread}))
}

#[test]
fn comments_resist_an_insider_a_small_team_differencing_and_guessing_through_the_real_binary() -> Result<()> {
    let directory = tempfile::tempdir()?;
    let database = directory.path().join("server.db");
    let organisation = organisation(&database, "Commenti Srl", 1, 2)?;
    let (team, sibling) = (organisation.teams[0].1.as_str(), organisation.teams[1].1.as_str());
    let small = admin(
        &database,
        &["add-team", "--department", &organisation.departments[0], "--name", "Small", "--headcount", "6"],
    )?;
    let hr = admin(&database, &["create-hr-token", "--organisation", &organisation.id])?;
    let sibling_manager = admin(&database, &["create-manager-token", "--team", sibling])?;
    let output = Arc::new(Mutex::new(Vec::new()));
    let week = calendar::week();
    let server = RunningServer::start_at(&database, output.clone(), calendar::enrolment_time(week))?;
    let devices = enrol_devices(&server, &invite(&database, team, 12)?, 12)?;
    let outsider = enrol_devices(&server, &invite(&database, sibling, 1)?, 1)?.remove(0);
    let read =
        |token: &str, team: &str| get_json(&server.url, &format!("/v1/comments?team_id={team}"), token);

    // An insider alone: ten comments from one device, one pooled, nine refused, nothing released.
    for index in 0..10 {
        let (status, answer) =
            comment(&server, &devices[0], "Insider's words", &token(&format!("i{index}")))?;
        let expected = if index == 0 { 202 } else { 409 };
        ensure!(status == expected, "insider comment {index}: {status} {answer}");
        if index > 0 {
            ensure!(answer["code"] == "comment_waiting", "{answer}");
        }
    }
    let (status, none) = read(&hr, team)?;
    ensure!(status == 200 && none["batches"] == json!([]), "{status} {none}");

    // A team of six: at most six devices, so its pool never reaches ten.
    let small_code = invite(&database, &small, 10)?;
    let small_devices: Vec<String> = (0..10)
        .filter_map(|_| {
            post_json(&server.url, "/v1/enrol", None, &json!({"wire_version": 1, "invite_code": small_code}))
                .ok()
                .filter(|(status, _)| *status == 201)
                .and_then(|(_, answer)| answer["device_token"].as_str().map(str::to_owned))
        })
        .collect();
    ensure!(small_devices.len() == 6, "the head-count caps the small team at 6, not {}", small_devices.len());
    for (index, device) in small_devices.iter().enumerate() {
        ensure!(comment(&server, device, "Small team", &token(&format!("s{index}")))?.0 == 202);
    }
    ensure!(read(&hr, &small)?.1["batches"] == json!([]), "a team of six released comments");

    // Nine colleagues complete the batch with the insider's one.
    for (index, device) in devices[1..10].iter().enumerate() {
        let (status, answer) =
            comment(&server, device, &format!("Colleague {index}"), &token(&format!("c{index}")))?;
        ensure!(status == 202, "{status} {answer}");
    }
    let (_, first) = read(&hr, team)?;
    let (_, second) = read(&hr, team)?;
    ensure!(first == second, "two reads differ: {first} / {second}");
    let batch = first["batches"].as_array().context("no batches")?;
    ensure!(batch.len() == 1 && batch[0]["comments"].as_array().map(Vec::len) == Some(10), "{first}");
    let mut keys: Vec<&String> = batch[0].as_object().context("a batch")?.keys().collect();
    keys.sort();
    ensure!(keys == ["comments", "id", "released_on"], "a batch carries {keys:?}");

    // Neither a device token nor another team's manager reads them; a pooled comment has no reply.
    let (status, _) = read(&devices[0], team)?;
    ensure!(status == 401, "a device token read comments: {status}");
    let (status, refused) = read(&sibling_manager, team)?;
    let (missing_status, missing) = read(&sibling_manager, "team_0000000000000000")?;
    ensure!(status == 404 && missing_status == 404, "{status} {missing_status}");
    ensure!(
        refused["message"].as_str().map(|m| m.replace(team, "X"))
            == missing["message"].as_str().map(|m| m.replace("team_0000000000000000", "X")),
        "{refused} / {missing}"
    );
    let pooled_id: String = rusqlite::Connection::open(&database)?.query_row(
        "SELECT id FROM comments WHERE team_id = ?1 AND batch_id IS NULL",
        [&small],
        |row| row.get(0),
    )?;
    let (status, _) = post_json(
        &server.url,
        &format!("/v1/comments/{pooled_id}/replies"),
        Some(&hr),
        &json!({"text": "Hi"}),
    )?;
    ensure!(status == 404, "a pooled comment was replied to: {status}");

    // A reply to one released comment reaches its thread only.
    let target = batch[0]["comments"]
        .as_array()
        .and_then(|comments| comments.iter().find(|c| c["text"] == "Colleague 4"))
        .context("Colleague 4's comment")?;
    let reply = json!({"text": "Thanks, noted."});
    let path = format!("/v1/comments/{}/replies", target["id"].as_str().unwrap_or_default());
    let (status, answer) = post_json(&server.url, &path, Some(&hr), &reply)?;
    ensure!(status == 201, "{status} {answer}");
    let (status, own) = thread(&server, &token("c4"))?;
    ensure!(status == 200 && own["replies"][0]["text"] == "Thanks, noted.", "{status} {own}");
    for other in ["c0", "c3", "i0"] {
        let (status, theirs) = thread(&server, &token(other))?;
        ensure!(status == 200 && theirs["replies"] == json!([]), "{other}: {status} {theirs}");
    }

    // "Did it help?": counts in steps of k = 5, once per device, the team's own devices only.
    let body = json!({"team_id": team, "text": "Quieter Fridays", "owner": "Giulia", "due": "2026-12-31"});
    let (status, action) = post_json(&server.url, "/v1/actions", Some(&hr), &body)?;
    ensure!(status == 201, "{status} {action}");
    let action_id = action["id"].as_str().context("action id")?;
    let verdict = |device: &str, answer: &str| {
        post_json(
            &server.url,
            "/v1/action-verdicts",
            Some(device),
            &json!({"wire_version": 1, "action_id": action_id, "verdict": answer}),
        )
    };
    let counts = || -> Result<Value> {
        let (_, list) = get_json(&server.url, &format!("/v1/actions?team_id={team}"), &hr)?;
        Ok(list["actions"][0]["verdicts"].clone())
    };
    for device in &devices[0..4] {
        ensure!(verdict(device, "helped")?.0 == 202);
        ensure!(verdict(device, "did_not_help")?.0 == 202, "a repeat is answered as taken");
        ensure!(counts()?.is_null(), "counts below k: {}", counts()?);
    }
    ensure!(verdict(&outsider, "did_not_help")?.0 == 404, "another team's device answered");
    ensure!(verdict(&devices[4], "too_early")?.0 == 202);
    ensure!(counts()? == json!({"helped": 4, "did_not_help": 0, "too_early": 1}), "{}", counts()?);

    // What the database and the output keep.
    let dump = database_dump(&database, &[])?;
    let authors_left: i64 = rusqlite::Connection::open(&database)?.query_row(
        "SELECT count(*) FROM comment_authors_pending WHERE team_id = ?1",
        [team],
        |row| row.get(0),
    )?;
    ensure!(authors_left == 0, "the released team's authors are still kept");
    for device in &devices {
        ensure!(!dump.contains(device.as_str()), "a device token is in the database");
    }
    for label in ["c4", "c0"] {
        ensure!(!dump.contains(&token(label)), "a thread token is in the database");
    }
    server.kill();
    // Guessing threads, against the server's own rate limits: refused, then limited.
    let now = polso_faults::calendar::rfc3339(calendar::enrolment_time(week));
    let limited_server =
        RunningServer::start_with(&database, output.clone(), "trace", &["--now", &now], None)?;
    let mut limited = false;
    for guess in 0..40 {
        let (status, _) = thread(&limited_server, &token(&format!("guess {guess}")))?;
        ensure!(status == 401 || status == 429, "a guessed thread: {status}");
        limited |= status == 429;
    }
    ensure!(limited, "forty guessed thread tokens were never rate limited");

    limited_server.kill();
    let log =
        String::from_utf8_lossy(&output.lock().map_err(|_| anyhow::anyhow!("output lock"))?).into_owned();
    for secret in ["Colleague", "Insider", "Thanks, noted", "Quieter Fridays"] {
        ensure!(!log.contains(secret), "the server's output holds '{secret}'");
    }
    ensure!(!log.contains(&token("c4")), "the server's output holds a thread token");
    Ok(())
}

/// The administrator cannot release a pool early by shrinking the batch below what it already
/// holds: eleven comments wait under a batch of twelve, and a batch of eleven or ten is refused
/// by the command line, with nothing released. Checked by mutation (2026-12-06): without the
/// pool check in `set_comment_batch_size`, the next comment would release the eleven under a
/// batch of ten and this test fails.
#[test]
fn shrinking_the_batch_cannot_release_a_waiting_pool_through_the_real_binary() -> Result<()> {
    let directory = tempfile::tempdir()?;
    let database = directory.path().join("server.db");
    let organisation = organisation(&database, "Lotti Srl", 1, 1)?;
    let team = organisation.teams[0].1.as_str();
    let hr = admin(&database, &["create-hr-token", "--organisation", &organisation.id])?;
    admin(&database, &["set-comment-batch", "12"])?;
    let output = Arc::new(Mutex::new(Vec::new()));
    let server = RunningServer::start_at(&database, output, calendar::enrolment_time(calendar::week()))?;
    let devices = enrol_devices(&server, &invite(&database, team, 12)?, 12)?;
    for (index, device) in devices.iter().take(11).enumerate() {
        ensure!(comment(&server, device, "Waiting", &token(&format!("p{index}")))?.0 == 202);
    }
    for size in ["11", "10", "9"] {
        ensure!(admin(&database, &["set-comment-batch", size]).is_err(), "a batch of {size} was accepted");
    }
    let (_, read) = get_json(&server.url, &format!("/v1/comments?team_id={team}"), &hr)?;
    ensure!(read["batches"] == json!([]) && read["batch_size"] == 12, "{read}");
    // Raising it is always allowed; the twelfth comment no longer completes the batch.
    admin(&database, &["set-comment-batch", "13"])?;
    ensure!(comment(&server, &devices[11], "Twelfth", &token("p11"))?.0 == 202);
    let (_, read) = get_json(&server.url, &format!("/v1/comments?team_id={team}"), &hr)?;
    ensure!(read["batches"] == json!([]), "released under a raised batch: {read}");
    server.kill();
    Ok(())
}
