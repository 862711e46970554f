//! Anonymous comments, replies and "did it help?" (issue 16, DESIGN.md privacy point 6): a team's
//! comments reach HR only as a batch of at least ten, from as many devices, with no time but the
//! day and nothing about their writers; a reply reaches only the holder of the comment's thread
//! token; "did it help?" counts move only in steps of at least k; and every read and write keeps to
//! the token's scope.

use axum::http::StatusCode;
use polso_api::WIRE_VERSION;
use polso_server::secrets::{hash_secret, to_hex};
use serde_json::{Value, json};

use crate::support::{World, assert_error, get, post_json};

/// A thread token as a device makes one: 64 hex digits, here from a label.
fn thread_token(label: &str) -> String {
    to_hex(&hash_secret(&format!("thread token {label}")))
}

fn comment(text: &str, token: &str) -> Value {
    json!({"wire_version": WIRE_VERSION, "text": text, "thread_hash": to_hex(&hash_secret(token))})
}

async fn post_comment(world: &World, device: &str, text: &str, token: &str) -> (StatusCode, Value) {
    world.send(post_json("/v1/comments", Some(device), comment(text, token))).await
}

async fn comments_of(world: &World, hr_token: &str, team: &str) -> (StatusCode, Value) {
    world.send(get(&format!("/v1/comments?team_id={team}"), Some(hr_token))).await
}

async fn thread(world: &World, token: &str) -> (StatusCode, Value) {
    world
        .send(post_json(
            "/v1/comment-thread",
            None,
            json!({"wire_version": WIRE_VERSION, "thread_token": token}),
        ))
        .await
}

/// `count` enrolled devices of `team`.
async fn devices(world: &World, team: &str, count: usize) -> Vec<String> {
    let mut tokens = Vec::new();
    for _ in 0..count {
        tokens.push(world.enrol(team).await);
    }
    tokens
}

#[tokio::test]
async fn comments_reach_hr_only_as_a_batch_of_ten_from_ten_devices_with_nothing_about_their_writers() {
    let world = World::new(&[1]);
    let team = &world.teams[0][0];
    let team_devices = devices(&world, team, 11).await;

    for (index, device) in team_devices.iter().take(9).enumerate() {
        let answer =
            post_comment(&world, device, &format!("Comment number {index}"), &format!("t{index}")).await;
        assert_eq!(answer.0, StatusCode::ACCEPTED, "{}", answer.1);
        assert_eq!(answer.1["already_taken"], false);
    }
    // Nine pooled: HR reads nothing, not even a count.
    let (status, nine) = comments_of(&world, &world.hr_token, team).await;
    assert_eq!(status, StatusCode::OK, "{nine}");
    assert_eq!(nine["batches"], json!([]), "{nine}");
    assert_eq!(nine["batch_size"], 10);
    assert_eq!(
        nine.as_object().unwrap().len(),
        4,
        "only the team, its name, the batch size and batches: {nine}"
    );

    // One device cannot fill the batch alone: its second comment waits, and nothing is released.
    let second = post_comment(&world, &team_devices[0], "Me again", "t-again").await;
    assert_error(&second, StatusCode::CONFLICT, "comment_waiting");
    assert_eq!(comments_of(&world, &world.hr_token, team).await.1["batches"], json!([]));
    // Its own resend (the same thread) is taken once.
    let resend = post_comment(&world, &team_devices[0], "Comment number 0", "t0").await;
    assert_eq!(resend.0, StatusCode::ACCEPTED, "{}", resend.1);
    assert_eq!(resend.1["already_taken"], true);

    // A pooled comment's thread says so, and nothing more.
    assert_eq!(thread(&world, &thread_token("unused")).await.0, StatusCode::UNAUTHORIZED);
    let (status, pooled) = thread(&world, "t3").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a thread token is 64 hex digits: {pooled}");

    // The tenth device completes the batch.
    let tenth = post_comment(&world, &team_devices[9], "Comment number 9", "t9").await;
    assert_eq!(tenth.0, StatusCode::ACCEPTED, "{}", tenth.1);
    let (_, released) = comments_of(&world, &world.hr_token, team).await;
    let batches = released["batches"].as_array().unwrap();
    assert_eq!(batches.len(), 1, "{released}");
    let batch = batches[0].as_object().unwrap();
    let mut keys: Vec<&str> = batch.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["comments", "id", "released_on"], "a batch carries its day and nothing else");
    assert_eq!(batch["released_on"], "2026-11-25");
    let mut texts: Vec<&str> =
        batch["comments"].as_array().unwrap().iter().map(|c| c["text"].as_str().unwrap()).collect();
    for released_comment in batch["comments"].as_array().unwrap() {
        let mut keys: Vec<&str> = released_comment.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["id", "replies", "text"], "{released_comment}");
    }
    texts.sort_unstable();
    let expected: Vec<String> = (0..10).map(|index| format!("Comment number {index}")).collect();
    assert_eq!(texts, expected.iter().map(String::as_str).collect::<Vec<_>>());

    // The pool starts again: the first device may now write its next comment, and it waits.
    let next = post_comment(&world, &team_devices[0], "A new week", "t-next").await;
    assert_eq!(next.0, StatusCode::ACCEPTED, "{}", next.1);
    assert_eq!(comments_of(&world, &world.hr_token, team).await.1["batches"].as_array().unwrap().len(), 1);

    // What the database keeps of a comment: no device, no token hash, no time.
    let columns = world.table_columns("comments");
    assert_eq!(columns, ["id", "team_id", "text", "thread_hash", "batch_id"]);
    let pending_authors = world.sql_count("SELECT count(*) FROM comment_authors_pending");
    assert_eq!(pending_authors, 1, "only the one device whose comment waits now");
}

/// Releases one batch of ten comments in `team`, thread tokens `"{label}{i}"` hashed.
async fn release_batch(world: &World, team: &str, label: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    for (index, device) in devices(world, team, 10).await.iter().enumerate() {
        let token = thread_token(&format!("{label}{index}"));
        let answer = post_comment(world, device, &format!("{label} comment {index}"), &token).await;
        assert_eq!(answer.0, StatusCode::ACCEPTED, "{}", answer.1);
        tokens.push(token);
    }
    tokens
}

#[tokio::test]
async fn a_reply_reaches_only_the_device_holding_the_comments_thread_token() {
    let world = World::new(&[1]);
    let team = &world.teams[0][0];
    let tokens = release_batch(&world, team, "a").await;
    let (_, released) = comments_of(&world, &world.hr_token, team).await;
    let comments = released["batches"][0]["comments"].as_array().unwrap().clone();
    let target = comments.iter().find(|c| c["text"] == "a comment 3").unwrap();
    let target_id = target["id"].as_str().unwrap();

    let reply = json!({"text": "Thank you: we moved the stand-up."});
    let (status, written) = world
        .send(post_json(&format!("/v1/comments/{target_id}/replies"), Some(&world.hr_token), reply))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{written}");
    assert_eq!(written["author"], "hr");

    // The writer's device, with its token and no device token, reads the reply.
    let (status, own) = thread(&world, &tokens[3]).await;
    assert_eq!(status, StatusCode::OK, "{own}");
    assert_eq!(own["released"], true);
    assert_eq!(own["replies"][0]["text"], "Thank you: we moved the stand-up.");
    assert_eq!(own["replies"][0]["written_on"], "2026-11-25");
    // Every other thread of the batch has no reply.
    for (index, token) in tokens.iter().enumerate().filter(|(index, _)| *index != 3) {
        let (status, other) = thread(&world, token).await;
        assert_eq!(status, StatusCode::OK, "{other}");
        assert_eq!(other["replies"], json!([]), "thread {index} sees another's reply: {other}");
    }
    // HR sees the reply under its comment.
    let (_, again) = comments_of(&world, &world.hr_token, team).await;
    let replied =
        again["batches"][0]["comments"].as_array().unwrap().iter().find(|c| c["id"] == target_id).cloned();
    assert_eq!(replied.unwrap()["replies"][0]["author"], "hr");
}

#[tokio::test]
async fn a_pooled_comment_cannot_be_replied_to_and_its_thread_says_it_waits() {
    let world = World::new(&[1]);
    let team = &world.teams[0][0];
    let device = world.enrol(team).await;
    let token = thread_token("alone");
    assert_eq!(post_comment(&world, &device, "Only me so far", &token).await.0, StatusCode::ACCEPTED);
    let (status, waiting) = thread(&world, &token).await;
    assert_eq!(status, StatusCode::OK, "{waiting}");
    assert_eq!(waiting, json!({"released": false, "replies": []}));

    let pooled_id = world.sql_text("SELECT id FROM comments");
    let answer = world
        .send(post_json(
            &format!("/v1/comments/{pooled_id}/replies"),
            Some(&world.hr_token),
            json!({"text": "Hi"}),
        ))
        .await;
    assert_error(&answer, StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn a_manager_reads_and_answers_only_their_own_teams_comments() {
    let world = World::new(&[2]);
    let (mine, sibling) = (&world.teams[0][0], &world.teams[0][1]);
    release_batch(&world, mine, "m").await;
    release_batch(&world, sibling, "s").await;
    let manager = polso_server::admin::create_manager_token(
        world.store.as_ref(),
        &world.organisation_id,
        std::slice::from_ref(mine),
    )
    .unwrap()
    .token;

    let (status, own) = comments_of(&world, &manager, mine).await;
    assert_eq!(status, StatusCode::OK, "{own}");
    let own_id = own["batches"][0]["comments"][0]["id"].as_str().unwrap().to_owned();
    let (status, written) = world
        .send(post_json(&format!("/v1/comments/{own_id}/replies"), Some(&manager), json!({"text": "Noted"})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{written}");
    assert_eq!(written["author"], "manager");

    // The sibling team: read and reply are answered as for nothing at all.
    let sibling_read = comments_of(&world, &manager, sibling).await;
    let nowhere_read = comments_of(&world, &manager, "team_nowhere").await;
    assert_error(&sibling_read, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(
        sibling_read.1["message"].as_str().unwrap().replace(sibling.as_str(), "X"),
        nowhere_read.1["message"].as_str().unwrap().replace("team_nowhere", "X")
    );
    let (_, sibling_comments) = comments_of(&world, &world.hr_token, sibling).await;
    let sibling_id = sibling_comments["batches"][0]["comments"][0]["id"].as_str().unwrap().to_owned();
    let reply = world
        .send(post_json(
            &format!("/v1/comments/{sibling_id}/replies"),
            Some(&manager),
            json!({"text": "Peek"}),
        ))
        .await;
    assert_error(&reply, StatusCode::NOT_FOUND, "not_found");
    let (_, unchanged) = comments_of(&world, &world.hr_token, sibling).await;
    assert!(
        unchanged["batches"][0]["comments"].as_array().unwrap().iter().all(|c| c["replies"] == json!([])),
        "{unchanged}"
    );
}

#[tokio::test]
async fn the_batch_size_is_the_organisations_and_never_below_ten() {
    let world = World::new(&[1]);
    let team = &world.teams[0][0];
    let comments = world.store.comments();
    for size in [0, 3, 9] {
        let error = comments.set_comment_batch_size(&world.organisation_id, size).unwrap_err();
        assert!(error.to_string().contains("10 to 1000"), "{error}");
    }
    comments.set_comment_batch_size(&world.organisation_id, 12).unwrap();
    let team_devices = devices(&world, team, 12).await;
    for (index, device) in team_devices.iter().enumerate() {
        let token = thread_token(&format!("b{index}"));
        assert_eq!(post_comment(&world, device, "Same words", &token).await.0, StatusCode::ACCEPTED);
        let (_, read) = comments_of(&world, &world.hr_token, team).await;
        let expected_batches = usize::from(index == 11);
        assert_eq!(
            read["batches"].as_array().unwrap().len(),
            expected_batches,
            "after {} comments",
            index + 1
        );
        assert_eq!(read["batch_size"], 12);
    }
    // A pool that holds comments cannot be released early by shrinking the batch.
    let waiting = devices(&world, team, 3).await;
    for (index, device) in waiting.iter().enumerate() {
        post_comment(&world, device, "Waiting", &thread_token(&format!("w{index}"))).await;
    }
    assert!(comments.set_comment_batch_size(&world.organisation_id, 10).is_ok());
    let error = comments.set_comment_batch_size(&world.organisation_id, 3).unwrap_err();
    assert!(error.to_string().contains("10 to 1000"), "{error}");
}

#[tokio::test]
async fn comments_with_bad_fields_are_refused_naming_the_field_and_nothing_is_kept() {
    let world = World::new(&[1]);
    let device = world.enrol(&world.teams[0][0]).await;
    let hash = to_hex(&hash_secret("x"));
    let cases = [
        (json!({"wire_version": WIRE_VERSION, "text": "  ", "thread_hash": hash}), "text"),
        (json!({"wire_version": WIRE_VERSION, "text": "x".repeat(1001), "thread_hash": hash}), "text"),
        (json!({"wire_version": WIRE_VERSION, "text": "a\u{7}b", "thread_hash": hash}), "text"),
        (json!({"wire_version": WIRE_VERSION, "text": "Fine", "thread_hash": "abc"}), "thread_hash"),
        (
            json!({"wire_version": WIRE_VERSION, "text": "Fine", "thread_hash": hash.to_uppercase()}),
            "thread_hash",
        ),
        (
            json!({"wire_version": WIRE_VERSION, "text": "Fine", "thread_hash": hash, "device": "me"}),
            "device",
        ),
    ];
    for (body, field) in cases {
        let answer = world.send(post_json("/v1/comments", Some(&device), body)).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, "invalid_input");
        assert!(answer.1["message"].as_str().unwrap().contains(field), "{field}: {}", answer.1);
    }
    assert_error(
        &world.send(post_json("/v1/comments", None, comment("Fine", "x"))).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    );
    assert_eq!(world.sql_count("SELECT count(*) FROM comments"), 0);
}

async fn action_for(world: &World, team: &str) -> String {
    let body =
        json!({"team_id": team, "text": "Stand-up on Tuesdays", "owner": "Giulia", "due": "2026-12-15"});
    let (status, action) = world.send(post_json("/v1/actions", Some(&world.hr_token), body)).await;
    assert_eq!(status, StatusCode::CREATED, "{action}");
    action["id"].as_str().unwrap().to_owned()
}

async fn verdict(world: &World, device: &str, action: &str, answer: &str) -> (StatusCode, Value) {
    let body = json!({"wire_version": WIRE_VERSION, "action_id": action, "verdict": answer});
    world.send(post_json("/v1/action-verdicts", Some(device), body)).await
}

async fn verdicts_of(world: &World, team: &str) -> Value {
    let (status, list) = world.send(get(&format!("/v1/actions?team_id={team}"), Some(&world.hr_token))).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["actions"][0]["verdicts"].clone()
}

#[tokio::test]
async fn did_it_help_counts_reach_hr_only_in_steps_of_k_answers_each_device_once() {
    let world = World::new(&[2]);
    let (team, other) = (&world.teams[0][0], &world.teams[0][1]);
    let action = action_for(&world, team).await;
    let team_devices = devices(&world, team, 10).await;
    let answers = ["helped", "helped", "did_not_help", "too_early", "helped"];

    for (device, answer) in team_devices.iter().zip(answers).take(4) {
        let (status, body) = verdict(&world, device, &action, answer).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    assert_eq!(verdicts_of(&world, team).await, Value::Null, "four answers are below k = 5");
    // A device answers once: its second answer changes nothing.
    assert_eq!(verdict(&world, &team_devices[0], &action, "did_not_help").await.0, StatusCode::ACCEPTED);
    assert_eq!(verdicts_of(&world, team).await, Value::Null);

    assert_eq!(verdict(&world, &team_devices[4], &action, answers[4]).await.0, StatusCode::ACCEPTED);
    let released = json!({"helped": 3, "did_not_help": 1, "too_early": 1});
    assert_eq!(verdicts_of(&world, team).await, released);
    // The next answers wait until they are k again: one answer alone never shows.
    for device in &team_devices[5..9] {
        verdict(&world, device, &action, "did_not_help").await;
        assert_eq!(verdicts_of(&world, team).await, released);
    }
    verdict(&world, &team_devices[9], &action, "did_not_help").await;
    assert_eq!(verdicts_of(&world, team).await, json!({"helped": 3, "did_not_help": 6, "too_early": 1}));

    // Another team's device cannot answer for this team's action, and is told as for no action.
    let outsider = world.enrol(other).await;
    assert_error(&verdict(&world, &outsider, &action, "helped").await, StatusCode::NOT_FOUND, "not_found");
    assert_error(
        &verdict(&world, &outsider, "act_nowhere", "helped").await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    // The store keeps counts, never a row per answer.
    assert_eq!(
        world.table_columns("action_verdicts"),
        [
            "action_id",
            "pending_helped",
            "pending_did_not_help",
            "pending_too_early",
            "helped",
            "did_not_help",
            "too_early"
        ]
    );
}
