//! Issue 11, item 2, beyond the head-count: one-time personal codes
//! exchanged for blind-signed credentials (RFC 9474). A code enrols exactly
//! one device, a credential enrols once, a wrong code meets the failure
//! limit, and the database holds no link between a code and a device.
//! Through the Router in process, with a real SQLite file; the app's side of
//! the exchange is done here with the same crate polso-desktop uses.

use axum::Router;
use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use blind_rsa_signatures::{BlindSignature, DefaultRng, PublicKeySha384PSSRandomized};
use polso_api::WIRE_VERSION;
use polso_server::secrets::hash_secret;
use polso_server::store::credentials::create_personal_codes;
use serde_json::{Value, json};

use crate::support::{World, assert_error, post_json, report, send};

/// What the app holds after the exchange: the credential, and the message
/// in the clear (to look for it in the database).
struct Obtained {
    credential: Value,
    message: [u8; 32],
}

async fn fetch_key(app: &Router, code: &str) -> (StatusCode, Value) {
    send(
        app.clone(),
        post_json("/v1/credentials/key", None, json!({"wire_version": WIRE_VERSION, "personal_code": code})),
    )
    .await
}

/// The app's side: fetch the key, blind a random message, spend the code, unblind.
async fn obtain_credential(app: &Router, code: &str) -> Obtained {
    let (status, key) = fetch_key(app, code).await;
    assert_eq!(status, StatusCode::OK, "{key}");
    assert_eq!(key["variant"], "RSABSSA-SHA384-PSS-Randomized");
    let public_key =
        PublicKeySha384PSSRandomized::from_der(&BASE64.decode(key["public_key"].as_str().unwrap()).unwrap())
            .unwrap();
    let message: [u8; 32] = std::array::from_fn(|_| rand_byte());
    let blinding = public_key.blind(&mut DefaultRng, message).unwrap();
    let (status, signed) = send(
        app.clone(),
        post_json(
            "/v1/credentials",
            None,
            json!({
                "wire_version": WIRE_VERSION,
                "personal_code": code,
                "blinded_message": BASE64.encode(&blinding.blind_message.0),
            }),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{signed}");
    let blind_signature = BASE64.decode(signed["blind_signature"].as_str().unwrap()).unwrap();
    let signature = public_key.finalize(&BlindSignature(blind_signature), &blinding, message).unwrap();
    Obtained {
        credential: json!({
            "team_id": key["team_id"],
            "message": BASE64.encode(message),
            "message_randomizer": BASE64.encode(blinding.msg_randomizer.unwrap().0),
            "signature": BASE64.encode(&signature.0),
        }),
        message,
    }
}

fn rand_byte() -> u8 {
    let mut byte = [0u8; 1];
    getrandom::fill(&mut byte).unwrap();
    byte[0]
}

async fn enrol_with_credential(app: &Router, credential: &Value) -> (StatusCode, Value) {
    send(
        app.clone(),
        post_json("/v1/enrol", None, json!({"wire_version": WIRE_VERSION, "credential": credential})),
    )
    .await
}

fn n_devices(world: &World, team_id: &str) -> u32 {
    polso_server::admin::team_headcount(world.store.as_ref(), team_id).unwrap().n_devices
}

#[tokio::test]
async fn a_personal_code_enrols_exactly_one_device_and_cannot_be_used_again() {
    let world = World::new(&[1]);
    let team = world.teams[0][0].clone();
    let created = create_personal_codes(world.store.as_ref(), &team, 2).unwrap();
    assert_eq!(created.codes.len(), 2);
    assert_eq!(created.unspent, 2);
    // Enrolled in the week before the one it reports, as support's devices are.
    let app = polso_server::app(polso_server::AppState::new(
        world.store.clone(),
        std::sync::Arc::new(polso_server::FixedClock::new(crate::support::enrolment_time())),
        polso_server::ServerConfig::default(),
    ));
    let code = &created.codes[0];

    // Asking for the key twice spends nothing.
    let (status, key) = fetch_key(&app, code).await;
    assert_eq!(status, StatusCode::OK, "{key}");
    assert_eq!(key["team_id"], team.as_str());
    assert_eq!(key["team_name"], "Team 0.0");
    let obtained = obtain_credential(&app, code).await;
    let (status, enrolled) = enrol_with_credential(&app, &obtained.credential).await;
    assert_eq!(status, StatusCode::CREATED, "{enrolled}");
    assert_eq!(enrolled["team_id"], team.as_str());
    assert_eq!(n_devices(&world, &team), 1);

    // The device reports like any other.
    let token = enrolled["device_token"].as_str().unwrap();
    world.report_ok(token, report(crate::support::WEEK, 4)).await;

    // The spent code is unknown from now on, for the key and for a signature.
    assert_error(&fetch_key(&app, code).await, StatusCode::NOT_FOUND, "invite_unknown");
    let (status, body) = send(
        app.clone(),
        post_json(
            "/v1/credentials",
            None,
            json!({"wire_version": WIRE_VERSION, "personal_code": code, "blinded_message": BASE64.encode([1u8; 256])}),
        ),
    )
    .await;
    assert_error(&(status, body), StatusCode::NOT_FOUND, "invite_unknown");
    assert_eq!(n_devices(&world, &team), 1);
    let unspent = create_personal_codes(world.store.as_ref(), &team, 1).unwrap();
    assert_eq!(unspent.unspent, 2, "one of the first two and the new one");
    assert_eq!(unspent.key_fingerprint, created.key_fingerprint, "the team keeps its key");
}

#[tokio::test]
async fn a_credential_message_used_twice_is_refused() {
    let world = World::new(&[1]);
    let team = world.teams[0][0].clone();
    let codes = create_personal_codes(world.store.as_ref(), &team, 1).unwrap().codes;
    let app = world.app();
    let obtained = obtain_credential(&app, &codes[0]).await;
    let (status, body) = enrol_with_credential(&app, &obtained.credential).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    for _ in 0..2 {
        assert_error(
            &enrol_with_credential(&app, &obtained.credential).await,
            StatusCode::GONE,
            "invite_exhausted",
        );
    }
    assert_eq!(n_devices(&world, &team), 1);
}

#[tokio::test]
async fn forged_or_misdirected_credentials_are_refused() {
    let world = World::new(&[2]);
    let (team_a, team_b) = (world.teams[0][0].clone(), world.teams[0][1].clone());
    let code_a = create_personal_codes(world.store.as_ref(), &team_a, 1).unwrap().codes.remove(0);
    create_personal_codes(world.store.as_ref(), &team_b, 1).unwrap();
    let app = world.app();
    let obtained = obtain_credential(&app, &code_a).await;

    // Team A's signature does not verify under team B's key.
    let mut misdirected = obtained.credential.clone();
    misdirected["team_id"] = json!(team_b);
    assert_error(&enrol_with_credential(&app, &misdirected).await, StatusCode::UNAUTHORIZED, "unauthorized");
    // Another message under the same signature does not verify.
    let mut forged = obtained.credential.clone();
    forged["message"] = json!(BASE64.encode([0u8; 32]));
    assert_error(&enrol_with_credential(&app, &forged).await, StatusCode::UNAUTHORIZED, "unauthorized");
    // A team without a key, or no team at all.
    let mut no_team = obtained.credential.clone();
    no_team["team_id"] = json!("team_nonexistent");
    assert_error(&enrol_with_credential(&app, &no_team).await, StatusCode::UNAUTHORIZED, "unauthorized");
    // A malformed credential is bad input.
    let mut short = obtained.credential.clone();
    short["signature"] = json!(BASE64.encode([0u8; 12]));
    assert_error(&enrol_with_credential(&app, &short).await, StatusCode::BAD_REQUEST, "invalid_input");
    assert_eq!(n_devices(&world, &team_a) + n_devices(&world, &team_b), 0);

    // The genuine credential still enrols once, into its own team.
    let (status, body) = enrol_with_credential(&app, &obtained.credential).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["team_id"], team_a.as_str());
}

#[tokio::test]
async fn the_head_count_still_caps_credential_enrolments_and_a_refused_credential_stays_usable() {
    let world = World::new(&[1]);
    let team = world.teams[0][0].clone();
    polso_server::admin::set_headcount(world.store.as_ref(), &team, 1).unwrap();
    let codes = create_personal_codes(world.store.as_ref(), &team, 2).unwrap().codes;
    let app = world.app();
    let first = obtain_credential(&app, &codes[0]).await;
    let second = obtain_credential(&app, &codes[1]).await;
    assert_eq!(enrol_with_credential(&app, &first.credential).await.0, StatusCode::CREATED);
    assert_error(&enrol_with_credential(&app, &second.credential).await, StatusCode::CONFLICT, "team_full");
    // With the team full, a third code is refused before it is spent.
    let third = create_personal_codes(world.store.as_ref(), &team, 1).unwrap().codes.remove(0);
    let (status, body) = send(
        app.clone(),
        post_json(
            "/v1/credentials",
            None,
            json!({"wire_version": WIRE_VERSION, "personal_code": third, "blinded_message": BASE64.encode([1u8; 256])}),
        ),
    )
    .await;
    assert_error(&(status, body), StatusCode::CONFLICT, "team_full");
    assert_eq!(fetch_key(&app, &third).await.0, StatusCode::OK, "the third code is not spent");
    // A place frees up: the refused credential was not spent and enrols now.
    polso_server::admin::set_headcount(world.store.as_ref(), &team, 2).unwrap();
    assert_eq!(enrol_with_credential(&app, &second.credential).await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn wrong_personal_codes_meet_the_failure_limit_and_a_malformed_request_spends_nothing() {
    let world = World::new(&[1]);
    let team = world.teams[0][0].clone();
    let code = create_personal_codes(world.store.as_ref(), &team, 1).unwrap().codes.remove(0);
    let app = world.app();
    // A blinded message of the wrong size is refused before the code is looked at.
    let (status, body) = send(
        app.clone(),
        post_json(
            "/v1/credentials",
            None,
            json!({"wire_version": WIRE_VERSION, "personal_code": code, "blinded_message": BASE64.encode([1u8; 8])}),
        ),
    )
    .await;
    assert_error(&(status, body), StatusCode::BAD_REQUEST, "invalid_input");
    assert_eq!(fetch_key(&app, &code).await.0, StatusCode::OK, "the code is not spent");

    // Ten wrong codes (the default burst), then even the right one waits.
    for _ in 0..10 {
        assert_error(
            &fetch_key(&app, "P-0000-0000-0000-0000").await,
            StatusCode::NOT_FOUND,
            "invite_unknown",
        );
    }
    assert_error(&fetch_key(&app, &code).await, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
}

/// Every blob and text cell of every table, with the table it is in.
fn every_cell(connection: &rusqlite::Connection) -> Vec<(String, Vec<u8>)> {
    let tables: Vec<String> = connection
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let mut cells = Vec::new();
    for table in tables {
        let mut statement = connection.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let n_columns = statement.column_count();
        let mut rows = statement.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for column in 0..n_columns {
                let bytes = match row.get_ref(column).unwrap() {
                    rusqlite::types::ValueRef::Blob(bytes) | rusqlite::types::ValueRef::Text(bytes) => {
                        bytes.to_vec()
                    }
                    _ => continue,
                };
                cells.push((table.clone(), bytes));
            }
        }
    }
    cells
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

#[tokio::test]
async fn the_database_holds_no_link_between_a_personal_code_and_the_device_it_enrolled() {
    let world = World::new(&[1]);
    let team = world.teams[0][0].clone();
    let codes = create_personal_codes(world.store.as_ref(), &team, 3).unwrap().codes;
    let app = world.app();
    let spent_code = &codes[1];
    let obtained = obtain_credential(&app, spent_code).await;
    let (status, enrolled) = enrol_with_credential(&app, &obtained.credential).await;
    assert_eq!(status, StatusCode::CREATED, "{enrolled}");
    let device_token_hash = hash_secret(enrolled["device_token"].as_str().unwrap());

    let normalised = polso_server::credential::normalise_personal_code(spent_code).unwrap();
    let spent_code_hash = polso_server::credential::personal_code_hash(&normalised);
    let message_hash = polso_server::credential::message_hash(&obtained.message);

    let path = world.database_path();
    let connection = rusqlite::Connection::open(&path).unwrap();
    let cells = every_cell(&connection);
    // The spent code is gone; the two others are all that is left of the codes.
    assert!(
        !cells.iter().any(|(_, bytes)| contains(bytes, &spent_code_hash)),
        "the spent code's hash is kept"
    );
    let n_codes: u32 =
        connection.query_row("SELECT count(*) FROM personal_codes", [], |row| row.get(0)).unwrap();
    assert_eq!(n_codes, 2);
    // The message in the clear is nowhere; its hash only in spent_credentials,
    // a table of one column: no team, no device, no code beside it.
    assert!(!cells.iter().any(|(_, bytes)| contains(bytes, &obtained.message)));
    let holding_message_hash: Vec<&str> = cells
        .iter()
        .filter(|(_, bytes)| contains(bytes, &message_hash))
        .map(|(table, _)| table.as_str())
        .collect();
    assert_eq!(holding_message_hash, ["spent_credentials"]);
    let columns: Vec<String> = connection
        .prepare("SELECT name FROM pragma_table_info('spent_credentials')")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(columns, ["message_hash"]);
    // The device's row is the same as an invite's: token hash, team, week.
    let holding_device: Vec<&str> = cells
        .iter()
        .filter(|(_, bytes)| contains(bytes, &device_token_hash))
        .map(|(table, _)| table.as_str())
        .collect();
    assert_eq!(holding_device, ["devices"]);
    drop(connection);

    // And on disk, database and WAL alike: neither the spent code's hash nor the message.
    for suffix in ["", "-wal"] {
        let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
        let Ok(bytes) = std::fs::read(&file) else { continue };
        assert!(!contains(&bytes, &spent_code_hash), "{} holds the spent code's hash", file.display());
        assert!(!contains(&bytes, &obtained.message), "{} holds the credential message", file.display());
        assert!(!contains(&bytes, spent_code.as_bytes()) && !contains(&bytes, normalised.as_bytes()));
    }
}

/// Runs the real `polso-server` binary on `database`, expecting success: stdout and stderr.
fn run_ok(database: &std::path::Path, arguments: &[&str]) -> (String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_polso-server"))
        .arg("--db")
        .arg(database)
        .args(arguments)
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "polso-server {arguments:?} failed: {stderr}");
    (String::from_utf8(output.stdout).unwrap().trim().to_owned(), stderr)
}

#[tokio::test]
async fn the_command_line_prints_codes_once_and_keeps_only_their_hashes() {
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("server.db");
    run_ok(&database, &["init-org", "--name", "Acme"]);
    let (department, _) = run_ok(&database, &["add-department", "--name", "Support"]);
    let (team, _) =
        run_ok(&database, &["add-team", "--department", &department, "--name", "Field", "--headcount", "3"]);
    let (printed, said) = run_ok(&database, &["create-personal-codes", "--team", &team, "--count", "3"]);
    let codes: Vec<&str> = printed.lines().collect();
    assert_eq!(codes.len(), 3, "{printed}");
    assert!(codes.iter().all(|code| code.starts_with("P-") && code.len() == 21), "{printed}");
    assert!(said.contains("3 unspent") && said.contains("fingerprint"), "{said}");
    let (_, said_again) = run_ok(&database, &["create-personal-codes", "--team", &team, "--count", "1"]);
    let fingerprint =
        |text: &str| text.split("fingerprint ").nth(1).unwrap().split(' ').next().unwrap().to_owned();
    assert_eq!(fingerprint(&said), fingerprint(&said_again), "one key per team");

    let mut files = Vec::new();
    for suffix in ["", "-wal"] {
        files.extend(std::fs::read(format!("{}{suffix}", database.display())).unwrap_or_default());
    }
    for code in &codes {
        let normalised = polso_server::credential::normalise_personal_code(code).unwrap();
        assert!(
            !contains(&files, code.as_bytes()) && !contains(&files, normalised.as_bytes()),
            "{code} is kept"
        );
    }

    // The codes the binary printed enrol through the library's Router over the same file.
    let store = std::sync::Arc::new(polso_server::SqliteServerStore::open(&database).unwrap());
    let app = polso_server::app(polso_server::AppState::new(
        store,
        std::sync::Arc::new(polso_server::SystemClock),
        polso_server::ServerConfig::default(),
    ));
    let obtained = obtain_credential(&app, codes[2]).await;
    let (status, body) = enrol_with_credential(&app, &obtained.credential).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["team_id"], team.as_str());
}

#[tokio::test]
async fn a_team_that_joins_with_personal_codes_takes_no_invite() {
    let world = World::new(&[1]);
    let team = world.teams[0][0].clone();
    // An invite made before the team's personal codes...
    let invite =
        polso_server::admin::create_invite(world.store.as_ref(), &team, crate::support::now(), 7, 5).unwrap();
    create_personal_codes(world.store.as_ref(), &team, 3).unwrap();
    // ...enrols nothing once they exist, and spends none of its uses.
    for _ in 0..2 {
        let refused = world
            .send(post_json("/v1/enrol", None, json!({"wire_version": WIRE_VERSION, "invite_code": invite})))
            .await;
        assert_error(&refused, StatusCode::GONE, "invite_expired");
        assert!(refused.1["message"].as_str().unwrap().contains("personal codes"), "{}", refused.1);
    }
    assert_eq!(n_devices(&world, &team), 0);
    // And no new invite is made for the team.
    let error = polso_server::admin::create_invite(world.store.as_ref(), &team, crate::support::now(), 7, 5)
        .unwrap_err();
    assert_eq!(error.code(), polso_api::ErrorCode::InvalidInput, "{error}");
    assert!(error.to_string().contains("personal codes"), "{error}");
}
