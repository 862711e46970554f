//! Two-server aggregation with the real binaries on 127.0.0.1: a leader
//! (`polso-server serve`) and a helper (`polso-server helper-serve`), each
//! on its own database, set up with the administrators' commands
//! (`helper-init`, `link-helper`, `helper-pair`). Twenty devices enrol and
//! send their reports as shares while the helper is down; the week closes
//! and waits; the helper comes up, the week is published with the plain figures exactly
//! (differential privacy off). Then a canary report is looked for where
//! each server could hold it: its files (database and WAL), its output at
//! the most talkative log level, and its process memory (read from
//! `/proc/PID/mem`) taken after the reports arrived and after publication.

use std::net::TcpListener;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use polso_core::bank::ItemBank;
use polso_core::schedule::Schedule;
use polso_core::{Answer, IsoWeek};
use polso_server::ServerStore;
use polso_server::helper_store::HelperStore;
use polso_vdaf::{
    CellKey, HelperPublicKey, Measurement, ReportContext, ReportId, SealedShares, WeekLayout, shard,
};
use serde_json::json;

use crate::real_binary::{RunningServer, admin, contains};

const WEEK: &str = "2026-W47";
const ENROL_AT: &str = "2026-11-16T09:00:00Z";
const REPORT_AT: &str = "2026-11-25T10:00:00Z";
const PUBLISH_AT: &str = "2026-11-28T12:30:00Z";

/// A free loopback port, for a helper that must come back on the same address.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Every readable byte of the process's memory.
fn memory_of(pid: u32) -> Vec<u8> {
    use std::io::{Read, Seek, SeekFrom};
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
    let mut memory = std::fs::File::open(format!("/proc/{pid}/mem")).unwrap();
    let mut dump = Vec::new();
    for line in maps.lines() {
        let mut fields = line.split_whitespace();
        let (Some(range), Some(permissions)) = (fields.next(), fields.next()) else { continue };
        let path = fields.nth(3).unwrap_or("");
        // Readable private memory: heap, stacks, anonymous maps; not the
        // binary's or libraries' files, which hold no report.
        if !permissions.starts_with('r') || path.starts_with('/') || path == "[vvar]" || path == "[vsyscall]"
        {
            continue;
        }
        let (start, end) = range.split_once('-').unwrap();
        let (start, end) = (u64::from_str_radix(start, 16).unwrap(), u64::from_str_radix(end, 16).unwrap());
        let mut region = vec![0u8; usize::try_from(end - start).unwrap()];
        if memory.seek(SeekFrom::Start(start)).is_ok() && memory.read_exact(&mut region).is_ok() {
            dump.extend(region);
        }
    }
    assert!(dump.len() > 1 << 20, "read only {} bytes of process {pid}'s memory", dump.len());
    dump
}

/// Every file of a directory, concatenated.
fn files_of(directory: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(directory).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            bytes.extend(std::fs::read(path).unwrap());
        }
    }
    bytes
}

/// Device `device`'s answers to `items`: varied, and every fourth leaves the first out.
fn answers(items: &[(String, u8, u8)], device: usize) -> Vec<Answer> {
    let bank = ItemBank::embedded();
    items
        .iter()
        .enumerate()
        .filter(|(index, _)| device % 4 != 3 || *index != 0)
        .map(|(index, (id, min, max))| {
            let points = usize::from(max - min) + 1;
            Answer {
                item: bank.item(id).unwrap().id.clone(),
                value: min + ((device * 3 + index * 5) % points) as u8,
            }
        })
        .collect()
}

#[test]
fn a_leader_and_a_helper_publish_twenty_reports_and_neither_ever_holds_one() {
    let leader_directory = tempfile::tempdir().unwrap();
    let helper_directory = tempfile::tempdir().unwrap();
    let leader_db = leader_directory.path().join("server.db");
    let helper_db = helper_directory.path().join("helper.db");

    // The organisation's administrator.
    admin(&leader_db, &["init-org", "--name", "Acme Assistenza"]);
    let support = admin(&leader_db, &["add-department", "--name", "Support"]);
    let sales = admin(&leader_db, &["add-department", "--name", "Sales"]);
    let teams: Vec<String> = [(&support, "Help desk"), (&support, "Field"), (&sales, "Inside sales")]
        .iter()
        .map(|(department, name)| {
            admin(&leader_db, &["add-team", "--department", department, "--name", name, "--headcount", "20"])
        })
        .collect();
    admin(&leader_db, &["set-dp", "--off"]);
    let hr_token = admin(&leader_db, &["create-hr-token"]);
    let invites: Vec<String> = teams
        .iter()
        .map(|team| {
            admin(&leader_db, &["create-invite", "--team", team, "--expires-in-days", "60", "--uses", "20"])
        })
        .collect();

    // The helper's administrator makes its key; the organisation's links to it.
    let public_key = admin(&helper_db, &["helper-init", "--party", "RSU Acme Assistenza"]);
    let shown = admin(&helper_db, &["helper-key"]);
    let port = free_port();
    let helper_url = format!("http://127.0.0.1:{port}");
    let helper_listen = format!("127.0.0.1:{port}");
    let pairing_file = leader_directory.path().join("pairing.json");
    admin(
        &leader_db,
        &[
            "link-helper",
            "--url",
            &helper_url,
            "--party",
            "RSU Acme Assistenza",
            "--public-key",
            &public_key,
            "--from",
            WEEK,
            "--out",
            pairing_file.to_str().unwrap(),
        ],
    );
    admin(&helper_db, &["helper-pair", "--pairing", pairing_file.to_str().unwrap()]);
    // The helper is down from here until after the week closes: the reports
    // wait at the leader as shares (and the leader's memory holds its half).

    // Twenty devices enrol; each reads the helper's key and checks its fingerprint.
    let leader = RunningServer::spawn(
        &leader_db,
        &["serve", "--listen", "127.0.0.1:0", "--now", ENROL_AT, "--enrolment-burst", "20"],
    );
    let team_of = |device: usize| match device {
        0..=8 => 0,
        9..=14 => 1,
        _ => 2,
    };
    let mut tokens = Vec::new();
    let mut helper_key = None;
    for device in 0..20 {
        let (status, body) = leader.request(
            "POST",
            "/v1/enrol",
            None,
            Some(&json!({"wire_version": 1, "invite_code": invites[team_of(device)]})),
        );
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["aggregation"]["mode"], "two_server", "{body}");
        let fingerprint = body["aggregation"]["helper"]["fingerprint"].as_str().unwrap().to_owned();
        assert!(shown.contains(&fingerprint), "the app shows the fingerprint the helper's holder publishes");
        let key = STANDARD.decode(body["aggregation"]["helper"]["public_key"].as_str().unwrap()).unwrap();
        helper_key = Some(HelperPublicKey::from_bytes(&key).unwrap());
        tokens.push(body["device_token"].as_str().unwrap().to_owned());
    }
    let helper_key = helper_key.unwrap();
    let leader_output_enrolment = leader.stop();

    // The week closed: every device sends its report as shares.
    let organisation =
        polso_server::SqliteServerStore::open(&leader_db).unwrap().organisations().unwrap().remove(0);
    let bank = ItemBank::embedded();
    let week: IsoWeek = WEEK.parse().unwrap();
    let schedule = Schedule::with_plan(bank, organisation.seed, &organisation.questionnaire);
    let layout = WeekLayout::new(bank, &schedule, week).unwrap();
    let items: Vec<(String, u8, u8)> = schedule
        .items_for_week(week)
        .iter()
        .map(|id| {
            let scale = bank.scale_of(bank.item(id.as_str()).unwrap());
            (id.as_str().to_owned(), scale.min, scale.max)
        })
        .collect();
    let leader = RunningServer::spawn(&leader_db, &["serve", "--listen", "127.0.0.1:0", "--now", REPORT_AT]);
    let mut measurements: Vec<Vec<Measurement>> = vec![Vec::new(); 3];
    let mut canary = None;
    for (device, token) in tokens.iter().enumerate() {
        let measurement = layout.measure(&answers(&items, device), &[]).unwrap();
        let context = ReportContext {
            organisation: organisation.id.clone(),
            week,
            team: teams[team_of(device)].clone(),
        };
        let upload = shard(&layout, &context, &measurement, &helper_key).unwrap();
        let body = json!({
            "wire_version": 1,
            "week": WEEK,
            "report_id": STANDARD.encode(upload.report_id.0),
            "public_shares": STANDARD.encode(&upload.public_shares),
            "leader_shares": STANDARD.encode(&upload.leader_shares),
            "helper_encapsulated_key": STANDARD.encode(&upload.helper_shares.encapsulated_key),
            "helper_ciphertext": STANDARD.encode(&upload.helper_shares.ciphertext),
        });
        let (status, answer) = leader.request("POST", "/v1/shared-reports", Some(token), Some(&body));
        assert_eq!((status, &answer["status"]), (200, &json!("accepted")), "{answer}");
        measurements[team_of(device)].push(measurement);
        if device == 0 {
            canary = Some((context, upload));
        }
    }
    let (canary_context, canary) = canary.unwrap();
    // The canary's two halves, as the test (not a server) opens them.
    let (_, helper_keys) = HelperStore::open(&helper_db).unwrap().identity().unwrap().unwrap();
    let helper_half = polso_vdaf::seal::open(
        &helper_keys,
        &canary_context.sealing_aad(&ReportId(canary.report_id.0), &canary.public_shares),
        &SealedShares {
            encapsulated_key: canary.helper_shares.encapsulated_key.clone(),
            ciphertext: canary.helper_shares.ciphertext.clone(),
        },
    )
    .unwrap();
    let helper_needle = helper_half[4..36].to_vec();
    let leader_needle = canary.leader_shares[4..36].to_vec();
    let secret_needle = helper_keys.secret_bytes();
    let leader_memory_on_arrival = memory_of(leader.pid());
    assert!(
        contains(&leader_memory_on_arrival, &leader_needle),
        "the dump is not blind: the leader holds its half"
    );
    let leader_output_reports = leader.stop();

    // The week closes with the helper still down: nothing is published, nothing lost.
    let leader = RunningServer::spawn(&leader_db, &["serve", "--listen", "127.0.0.1:0", "--now", PUBLISH_AT]);
    // An item every team answered enough, so each team's cell can be released.
    let key = &items
        .iter()
        .find(|(id, _, _)| {
            let item = CellKey::Item(bank.item(id).unwrap().id.clone());
            measurements.iter().all(|team| {
                layout.plain_figures(team).iter().any(|figures| figures.key == item && figures.n >= 5)
            })
        })
        .expect("an item every team answered five times")
        .0;
    let read = |leader: &RunningServer| {
        let (status, body) = leader.request(
            "GET",
            &format!("/v1/aggregates?unit=team&key={key}&from={WEEK}&to={WEEK}"),
            Some(&hr_token),
            None,
        );
        assert_eq!(status, 200, "{body}");
        body
    };
    let waiting = read(&leader);
    assert!(waiting["cells"].as_array().unwrap().iter().all(|cell| cell["released"] == false), "{waiting}");

    // The helper comes back on its address: the week is published, whole.
    let helper =
        RunningServer::spawn(&helper_db, &["helper-serve", "--listen", &helper_listen, "--now", PUBLISH_AT]);
    let published = read(&leader);
    let cells = published["cells"].as_array().unwrap();
    let item = CellKey::Item(bank.item(key).unwrap().id.clone());
    let mut released = 0;
    for (team, team_measurements) in measurements.iter().enumerate() {
        let expected = layout.plain_figures(team_measurements);
        let expected = expected.iter().find(|figures| figures.key == item).unwrap();
        let cell = cells.iter().find(|cell| cell["unit_id"] == teams[team].as_str()).unwrap();
        if cell["released"] == true {
            released += 1;
            assert!(expected.n >= 5, "a cell of {} answers released: {cell}", expected.n);
            assert_eq!(cell["n"], json!(expected.n), "{cell}");
            let mean = cell["mean"].as_f64().unwrap();
            assert!((mean - expected.sum / expected.n as f64).abs() < 1e-9, "{cell}");
        }
    }
    assert_eq!(released, 3, "{published}");
    let leader_memory_published = memory_of(leader.pid());
    let helper_memory_released = memory_of(helper.pid());
    let log = admin(&helper_db, &["helper-log"]);
    assert!(log.contains("from 20 reports of 3 teams"), "{log}");

    let leader_output = [leader_output_enrolment, leader_output_reports, leader.stop()].concat();
    let helper_output = helper.stop();
    // Where the leader could hold the canary: never the helper's half, nor its key.
    for (label, bytes) in [
        ("the leader's memory when the reports arrived", &leader_memory_on_arrival),
        ("the leader's memory after publication", &leader_memory_published),
        ("the leader's files", &files_of(leader_directory.path())),
        ("the leader's output", &leader_output),
    ] {
        assert!(!contains(bytes, &helper_needle), "{label} hold the helper's half of the canary");
        assert!(!contains(bytes, &secret_needle), "{label} hold the helper's secret key");
        let encoded = STANDARD.encode(&helper_half);
        assert!(!contains(bytes, &encoded.as_bytes()[..40]), "{label} hold the helper's half, encoded");
    }
    // Where the helper could hold it: never the leader's half.
    for (label, bytes) in [
        ("the helper's memory after the release", &helper_memory_released),
        ("the helper's files", &files_of(helper_directory.path())),
        ("the helper's output", &helper_output),
    ] {
        assert!(!contains(bytes, &leader_needle), "{label} hold the leader's half of the canary");
        let encoded = STANDARD.encode(&canary.leader_shares);
        assert!(!contains(bytes, &encoded.as_bytes()[..40]), "{label} hold the leader's half, encoded");
    }
}
