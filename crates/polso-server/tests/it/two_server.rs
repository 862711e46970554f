//! Two-server aggregation through the Router with real SQLite files: the
//! leader (this server) and a helper in the same process, reached through
//! `LocalHelperApi`. Devices send shares made by `polso_vdaf` from the
//! helper key the server hands out; the week published with the helper is
//! the week one server publishes from the same answers, exactly.

use std::sync::Arc;

use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::Duration;
use polso_api::WIRE_VERSION;
use polso_core::bank::ItemBank;
use polso_core::questionnaire::QuestionnairePlan;
use polso_core::schedule::Schedule;
use polso_core::{Answer, IsoWeek};
use polso_server::admin;
use polso_server::helper::Helper;
use polso_server::helper_store::HelperStore;
use polso_server::leader::LocalHelperApi;
use polso_vdaf::{HelperPublicKey, ReportContext, WeekLayout, shard};
use serde_json::{Value, json};

use crate::support::{World, enrolment_time, get, post_json, publish_time};

const SEED: u64 = 23;
const WEEK: &str = crate::support::WEEK;
const DEVICES: usize = 20;

fn plan() -> QuestionnairePlan {
    QuestionnairePlan::for_new_organisation()
}

fn week() -> IsoWeek {
    WEEK.parse().unwrap()
}

/// Device `device`'s answers for [`WEEK`]: every asked item, varied; every
/// fourth device leaves the first item out (its metric then does not
/// count); device 7 marks "not applicable" every item that allows it.
fn answers(device: usize, week: IsoWeek) -> (Vec<(String, u8)>, Vec<String>) {
    let bank = ItemBank::embedded();
    let schedule = Schedule::with_plan(bank, SEED, &plan());
    let mut items = Vec::new();
    let mut not_applicable = Vec::new();
    for (index, id) in schedule.items_for_week(week).iter().enumerate() {
        if device % 4 == 3 && index == 0 {
            continue;
        }
        if device == 7 && schedule.allows_not_applicable(bank, week, id.as_str()) {
            not_applicable.push(id.as_str().to_owned());
            continue;
        }
        let item = bank.item(id.as_str()).unwrap();
        let scale = bank.scale_of(item);
        let points = usize::from(scale.max - scale.min) + 1;
        items.push((
            id.as_str().to_owned(),
            scale.min + ((device * 3 + index * 5 + device / 3) % points) as u8,
        ));
    }
    (items, not_applicable)
}

fn plain_report(device: usize) -> Value {
    let (items, not_applicable) = answers(device, week());
    json!({
        "wire_version": WIRE_VERSION,
        "week": WEEK,
        "items": items.iter().map(|(id, value)| json!({"item_id": id, "value": value})).collect::<Vec<_>>(),
        "metrics": [],
        "not_applicable": not_applicable,
    })
}

/// The report of `device` as shares, made as the app makes them.
fn shared_report(world: &World, team: &str, device: usize, helper_key: &HelperPublicKey) -> Value {
    shared_report_of_week(world, team, device, helper_key, week())
}

/// [`shared_report`] made for `made_for` (and labelled with it).
fn shared_report_of_week(
    world: &World,
    team: &str,
    device: usize,
    helper_key: &HelperPublicKey,
    made_for: IsoWeek,
) -> Value {
    let bank = ItemBank::embedded();
    let layout = WeekLayout::new(bank, &Schedule::with_plan(bank, SEED, &plan()), made_for).unwrap();
    let (items, not_applicable) = answers(device, made_for);
    let answers: Vec<Answer> = items
        .iter()
        .map(|(id, value)| Answer { item: bank.item(id).unwrap().id.clone(), value: *value })
        .collect();
    let marked: Vec<_> = not_applicable.iter().map(|id| bank.item(id).unwrap().id.clone()).collect();
    let measurement = layout.measure(&answers, &marked).unwrap();
    let context =
        ReportContext { organisation: world.organisation_id.clone(), week: made_for, team: team.to_owned() };
    let upload = shard(&layout, &context, &measurement, helper_key).unwrap();
    json!({
        "wire_version": WIRE_VERSION,
        "week": made_for.to_string(),
        "report_id": STANDARD.encode(upload.report_id.0),
        "public_shares": STANDARD.encode(&upload.public_shares),
        "leader_shares": STANDARD.encode(&upload.leader_shares),
        "helper_encapsulated_key": STANDARD.encode(&upload.helper_shares.encapsulated_key),
        "helper_ciphertext": STANDARD.encode(&upload.helper_shares.ciphertext),
    })
}

/// A world on the given questionnaire: one department of two teams, one of one.
fn world() -> World {
    World::with_questionnaire(&[2, 1], SEED, plan())
}

/// The team of device `device`: 9, 6 and 5 devices.
fn team_of(world: &World, device: usize) -> String {
    let team = match device {
        0..=8 => &world.teams[0][0],
        9..=14 => &world.teams[0][1],
        _ => &world.teams[1][0],
    };
    team.clone()
}

struct TwoServer {
    world: World,
    helper_api: Arc<LocalHelperApi>,
    helper: Arc<Helper>,
    _helper_directory: tempfile::TempDir,
}

/// A world linked to a helper before its devices enrol, from [`WEEK`].
fn two_server_world() -> TwoServer {
    linked(world())
}

/// `world`, linked to a new helper from [`WEEK`] (the helper pins its settings as they are now).
fn linked(mut world: World) -> TwoServer {
    let helper_directory = tempfile::tempdir().unwrap();
    let helper_store = HelperStore::open(&helper_directory.path().join("helper.sqlite")).unwrap();
    let keys = helper_store.init("RSU of Acme").unwrap();
    let helper = admin::HelperToLink {
        url: "http://helper.invalid".to_owned(),
        party: "RSU of Acme".to_owned(),
        public_key: STANDARD.encode(keys.public().as_bytes()),
        from_week: week(),
    };
    let settings = polso_server::ServerConfig::default().publication();
    let pairing =
        admin::link_helper(world.store.as_ref(), &world.organisation_id, &helper, settings).unwrap();
    pairing.check().unwrap();
    helper_store.pair(&pairing, enrolment_time() - Duration::days(7)).unwrap();
    let helper = Arc::new(Helper::new(helper_store, world.clock.clone()));
    let helper_api = Arc::new(LocalHelperApi::new(helper.clone()));
    world.helper_api = Some(helper_api.clone());
    TwoServer { world, helper_api, helper, _helper_directory: helper_directory }
}

/// The helper key the server gives a device, as the app reads it.
async fn helper_key_for(world: &World, device_token: &str) -> HelperPublicKey {
    let (status, body) = world.send(get("/v1/questionnaire", Some(device_token))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["aggregation"]["mode"], "two_server", "{body}");
    assert_eq!(body["aggregation"]["helper"]["party"], "RSU of Acme");
    assert_eq!(body["aggregation"]["from_week"], WEEK);
    let key = STANDARD.decode(body["aggregation"]["helper"]["public_key"].as_str().unwrap()).unwrap();
    let key = HelperPublicKey::from_bytes(&key).unwrap();
    assert_eq!(body["aggregation"]["helper"]["fingerprint"], key.fingerprint());
    key
}

/// Enrols a device into `team`, reads the helper key as the app does, and
/// sends `device`'s report as shares, which must be accepted.
async fn enrol_and_send_shares(world: &World, team: &str, device: usize) {
    let token = world.enrol(team).await;
    let key = helper_key_for(world, &token).await;
    let body = shared_report(world, team, device, &key);
    let (status, answer) = world.send(post_json("/v1/shared-reports", Some(&token), body)).await;
    assert_eq!((status, &answer["status"]), (StatusCode::OK, &json!("accepted")), "{answer}");
}

/// The leader's pending reports verified with the helper now, as its publication task would.
fn verify_now(two: &TwoServer) -> polso_server::Result<polso_server::leader::VerifyRound> {
    let store = two.world.open_replica();
    let tree =
        polso_server::ServerStore::organisation_tree(store.as_ref(), &two.world.organisation_id).unwrap();
    polso_server::leader::verify_pending(store.as_ref(), two.helper_api.as_ref(), &tree)
}

/// Every key [`WEEK`] publishes, as clients name them.
fn week_keys() -> Vec<String> {
    let bank = ItemBank::embedded();
    let schedule = Schedule::with_plan(bank, SEED, &plan());
    let mut keys: Vec<String> =
        schedule.items_for_week(week()).iter().map(|id| id.as_str().to_owned()).collect();
    for id in schedule.items_for_week(week()) {
        let metric = bank.item(id.as_str()).unwrap().metric;
        if !keys.contains(&metric.key().to_owned()) {
            keys.push(metric.key().to_owned());
        }
        if schedule.allows_not_applicable(bank, week(), id.as_str()) {
            keys.push(format!("not_applicable:{}", metric.key()));
        }
    }
    keys.dedup();
    keys
}

/// Every published cell of [`WEEK`] of every key and unit level.
async fn published(world: &World) -> Vec<Value> {
    let mut cells = Vec::new();
    for key in week_keys() {
        for unit in ["organisation", "department", "team"] {
            cells.extend(world.read_cells(&format!("unit={unit}&key={key}&from={WEEK}&to={WEEK}")).await);
        }
    }
    cells
}

fn assert_same_figures(one: &[Value], two: &[Value]) {
    assert_eq!(one.len(), two.len());
    let mut released = 0;
    for (left, right) in one.iter().zip(two) {
        let what = format!("{} of {}", left["key"], left["unit_kind"]);
        assert_eq!(left["key"], right["key"]);
        assert_eq!(left["unit_kind"], right["unit_kind"]);
        assert_eq!(left["released"], right["released"], "{what}");
        assert_eq!(left["n"], right["n"], "{what}");
        assert_eq!(left["histogram"], right["histogram"], "{what}");
        for figure in ["mean", "sd"] {
            match (left[figure].as_f64(), right[figure].as_f64()) {
                (Some(a), Some(b)) => assert!((a - b).abs() < 1e-9, "{what} {figure}: {a} against {b}"),
                (a, b) => assert_eq!(a, b, "{what} {figure}"),
            }
        }
        released += usize::from(left["released"] == true);
    }
    assert!(released >= 10, "only {released} cells released");
}

#[tokio::test]
async fn a_week_published_with_the_helper_equals_one_servers_exactly() {
    let one = world();
    let two = two_server_world();
    for device in 0..DEVICES {
        let team_one = team_of(&one, device);
        let token = one.enrol(&team_one).await;
        one.report_ok(&token, plain_report(device)).await;

        let team_two = team_of(&two.world, device);
        let token = two.world.enrol(&team_two).await;
        let key = helper_key_for(&two.world, &token).await;
        let (status, body) = two
            .world
            .send(post_json(
                "/v1/shared-reports",
                Some(&token),
                shared_report(&two.world, &team_two, device, &key),
            ))
            .await;
        assert_eq!((status, &body["status"]), (StatusCode::OK, &json!("accepted")), "{body}");
    }
    one.advance_to_publication();
    two.world.advance_to_publication();
    let plain = published(&one).await;
    let shared = published(&two.world).await;
    assert_same_figures(&plain, &shared);
    // Both servers dropped what they held of the week.
    let leader = two.world.open_replica();
    let shared_store = polso_server::ServerStore::shared(leader.as_ref()).unwrap();
    assert!(shared_store.shared_sums(&two.world.organisation_id, week()).unwrap().is_empty());
    assert!(two.helper.store().sums(&two.world.organisation_id, week()).unwrap().is_empty());
    let log = two.helper.store().release_log().unwrap();
    assert_eq!(log.len(), 1);
    assert!(log[0].summary.contains("from 20 reports of 3 teams"), "{}", log[0].summary);
}

#[tokio::test]
async fn a_helper_that_is_down_delays_the_week_and_loses_nothing() {
    let one = world();
    let two = two_server_world();
    for device in 0..DEVICES {
        let token = one.enrol(&team_of(&one, device)).await;
        one.report_ok(&token, plain_report(device)).await;
        let team = team_of(&two.world, device);
        let token = two.world.enrol(&team).await;
        let key = helper_key_for(&two.world, &token).await;
        let body = shared_report(&two.world, &team, device, &key);
        let (status, first) =
            two.world.send(post_json("/v1/shared-reports", Some(&token), body.clone())).await;
        assert_eq!(status, StatusCode::OK, "{first}");
        // A retry of the same report is counted once.
        let (status, again) = two.world.send(post_json("/v1/shared-reports", Some(&token), body)).await;
        assert_eq!((status, &again["status"]), (StatusCode::OK, &json!("duplicate")), "{again}");
    }
    two.helper_api.set_reachable(false);
    one.advance_to_publication();
    two.world.advance_to_publication();
    let table =
        two.world.read_table(&format!("unit=team&key={}&from={WEEK}&to={WEEK}", week_keys()[0])).await;
    assert!(table["cells"].as_array().unwrap().iter().all(|cell| cell["released"] == false), "{table}");
    assert_eq!(table["published_through"], Value::Null, "{table}");
    // Later, the helper is back: the week is published, whole.
    two.helper_api.set_reachable(true);
    two.world.clock.set(publish_time() + Duration::hours(5));
    assert_same_figures(&published(&one).await, &published(&two.world).await);
}

#[tokio::test]
async fn tampered_misplaced_and_replayed_reports_are_never_counted() {
    let one = world();
    let two = two_server_world();
    let mut tokens = Vec::new();
    for device in 0..DEVICES {
        let token = one.enrol(&team_of(&one, device)).await;
        one.report_ok(&token, plain_report(device)).await;
        let team = team_of(&two.world, device);
        tokens.push((team.clone(), two.world.enrol(&team).await));
    }
    let key = helper_key_for(&two.world, &tokens[0].1).await;
    let extra_team = team_of(&two.world, 0);
    let extra = two.world.enrol(&extra_team).await;
    let another = two.world.enrol(&extra_team).await;
    let third = two.world.enrol(&extra_team).await;

    // A leader share altered in flight: accepted for the helper to judge (or
    // refused at once), and never counted.
    let mut tampered = shared_report(&two.world, &extra_team, 1, &key);
    let mut bytes = STANDARD.decode(tampered["leader_shares"].as_str().unwrap()).unwrap();
    bytes[10] ^= 1;
    tampered["leader_shares"] = json!(STANDARD.encode(bytes));
    let (status, body) = two.world.send(post_json("/v1/shared-reports", Some(&extra), tampered)).await;
    assert!(status == StatusCode::OK || status == StatusCode::BAD_REQUEST, "{status} {body}");

    // Shares made for another team, sent by a device of this one.
    let other_team = two.world.teams[1][0].clone();
    let misplaced = shared_report(&two.world, &other_team, 2, &key);
    let (status, body) = two.world.send(post_json("/v1/shared-reports", Some(&another), misplaced)).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Shares made for another week, sent as this week's.
    let mut relabelled = shared_report_of_week(&two.world, &extra_team, 3, &key, week().plus_weeks(1));
    relabelled["week"] = json!(WEEK);
    let (status, body) = two.world.send(post_json("/v1/shared-reports", Some(&third), relabelled)).await;
    assert!(status == StatusCode::OK || status == StatusCode::BAD_REQUEST, "{status} {body}");

    // The honest reports, and one of them replayed by another device.
    let mut replay = None;
    for (device, (team, token)) in tokens.iter().enumerate() {
        let body = shared_report(&two.world, team, device, &key);
        let (status, answer) =
            two.world.send(post_json("/v1/shared-reports", Some(token), body.clone())).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        if device == 0 {
            replay = Some(body);
        }
    }
    let stranger = two.world.enrol(&extra_team).await;
    let (status, body) =
        two.world.send(post_json("/v1/shared-reports", Some(&stranger), replay.unwrap())).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a report id is received once: {body}");

    // A plain report in a two-server week is refused: no server sees it.
    let (status, body) = two.world.send(post_json("/v1/reports", Some(&stranger), plain_report(4))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().unwrap().contains("shares"), "{body}");

    one.advance_to_publication();
    two.world.advance_to_publication();
    assert_same_figures(&published(&one).await, &published(&two.world).await);
    let log = two.helper.store().release_log().unwrap();
    assert!(log[0].summary.contains("from 20 reports"), "{}", log[0].summary);
}

/// The canary: neither server ever holds both halves of a report. The
/// leader's database and WAL never hold the helper's opened shares (nor its
/// secret key), and the helper's never hold the leader's shares; taken
/// while the week is collecting and after it is published.
#[tokio::test]
async fn neither_server_ever_holds_both_halves_of_a_report() {
    let two = two_server_world();
    let team = team_of(&two.world, 0);
    let token = two.world.enrol(&team).await;
    let key = helper_key_for(&two.world, &token).await;
    let body = shared_report(&two.world, &team, 5, &key);
    let (status, answer) = two.world.send(post_json("/v1/shared-reports", Some(&token), body.clone())).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let leader_shares = STANDARD.decode(body["leader_shares"].as_str().unwrap()).unwrap();
    let (_, helper_keys) = two.helper.store().identity().unwrap().unwrap();
    let sealed = polso_vdaf::SealedShares {
        encapsulated_key: STANDARD.decode(body["helper_encapsulated_key"].as_str().unwrap()).unwrap(),
        ciphertext: STANDARD.decode(body["helper_ciphertext"].as_str().unwrap()).unwrap(),
    };
    // The test opens the helper's half itself, as only the helper can.
    let bank = ItemBank::embedded();
    let layout = WeekLayout::new(bank, &Schedule::with_plan(bank, SEED, &plan()), week()).unwrap();
    assert!(!layout.cells().is_empty());
    let report_id: [u8; 16] =
        STANDARD.decode(body["report_id"].as_str().unwrap()).unwrap().try_into().unwrap();
    let context =
        ReportContext { organisation: two.world.organisation_id.clone(), week: week(), team: team.clone() };
    let public_shares = STANDARD.decode(body["public_shares"].as_str().unwrap()).unwrap();
    let helper_half = polso_vdaf::seal::open(
        &helper_keys,
        &context.sealing_aad(&polso_vdaf::ReportId(report_id), &public_shares),
        &sealed,
    )
    .expect("the helper opens its half");

    // (the helper's opened half, the leader's half, the helper's secret key) found in a directory's files.
    let scan = |directory: &std::path::Path| {
        let mut bytes = Vec::new();
        for entry in std::fs::read_dir(directory).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                bytes.extend(std::fs::read(&path).unwrap());
            }
        }
        let holds = |needle: &[u8]| bytes.windows(needle.len()).any(|window| window == needle);
        (holds(&helper_half[4..36]), holds(&leader_shares[4..36]), holds(&helper_keys.secret_bytes()))
    };
    let leader_directory = two.world.database_path().parent().unwrap().to_owned();
    let helper_directory = two._helper_directory.path().to_owned();
    let check = |moment: &str| {
        let (helper_half_at_leader, _, secret_at_leader) = scan(&leader_directory);
        assert!(!helper_half_at_leader, "{moment}: the leader's files hold the helper's opened shares");
        assert!(!secret_at_leader, "{moment}: the leader's files hold the helper's secret key");
        let (_, leader_half_at_helper, _) = scan(&helper_directory);
        assert!(!leader_half_at_helper, "{moment}: the helper's files hold the leader's shares");
    };
    // The leader holds its own half, as it must (the scan is not blind).
    assert!(scan(&leader_directory).1, "the leader's files hold its own shares while pending");
    check("while collecting");
    two.world.clock.set(publish_time());
    two.world.read_cells(&format!("unit=team&key={}&from={WEEK}&to={WEEK}", week_keys()[0])).await;
    check("after verification and publication");
}

/// With differential privacy on, each server adds its own noise: the week
/// releases the same cells as one server would (the decision is made on
/// exact counts), every figure stays within its scale, each team's people
/// are charged the same ε, and the figures differ from the exact ones.
#[tokio::test]
async fn with_differential_privacy_both_servers_noise_and_the_same_cells_and_budget_are_released() {
    let epsilon = polso_server::privacy::default_epsilon_per_cell();
    let one = world();
    one.store.set_privacy(&one.organisation_id, Some(epsilon)).unwrap();
    let plain_two = world();
    plain_two.store.set_privacy(&plain_two.organisation_id, Some(epsilon)).unwrap();
    // Linked after ε is set, so the helper pins the organisation's ε.
    let linked = linked(plain_two);
    let two = &linked.world;
    for device in 0..DEVICES {
        let token = one.enrol(&team_of(&one, device)).await;
        one.report_ok(&token, plain_report(device)).await;
        let team = team_of(two, device);
        enrol_and_send_shares(two, &team, device).await;
    }
    one.advance_to_publication();
    two.advance_to_publication();
    let noised_one = published(&one).await;
    let noised_two = published(two).await;
    assert_eq!(noised_one.len(), noised_two.len());
    let bank = ItemBank::embedded();
    for (left, right) in noised_one.iter().zip(&noised_two) {
        assert_eq!(
            (&left["key"], &left["unit_kind"], &left["released"]),
            (&right["key"], &right["unit_kind"], &right["released"])
        );
        if right["released"] == true {
            assert!(right["n"].as_u64().unwrap() >= 5, "{right}");
            let key = right["key"].as_str().unwrap();
            let (low, high) = match bank.item(key) {
                Some(item) => {
                    let scale = bank.scale_of(item);
                    (f64::from(scale.min), f64::from(scale.max))
                }
                None if key.starts_with("not_applicable:") => (1.0, 1.0),
                None => (0.0, 100.0),
            };
            let mean = right["mean"].as_f64().unwrap();
            assert!((low..=high).contains(&mean), "{right}");
        }
    }
    let weeks = week()..=week();
    let ledger = |world: &World| {
        let mut entries: Vec<f64> = world
            .store
            .privacy_ledger(&world.organisation_id, weeks.clone())
            .unwrap()
            .iter()
            .map(|entry| entry.epsilon)
            .collect();
        entries.sort_by(f64::total_cmp);
        entries
    };
    let (spent_one, spent_two) = (ledger(&one), ledger(two));
    assert!(!spent_two.is_empty() && spent_two.iter().all(|epsilon| *epsilon > 0.0), "{spent_two:?}");
    assert_eq!(spent_one.len(), spent_two.len());
    for (a, b) in spent_one.iter().zip(&spent_two) {
        assert!((a - b).abs() < 1e-9, "{spent_one:?} against {spent_two:?}");
    }
    // Noise was added: not every released mean is the exact one.
    let exact = world();
    for device in 0..DEVICES {
        let token = exact.enrol(&team_of(&exact, device)).await;
        exact.report_ok(&token, plain_report(device)).await;
    }
    exact.advance_to_publication();
    let exact_cells = published(&exact).await;
    let differing = exact_cells
        .iter()
        .zip(&noised_two)
        .filter(|(exact, noised)| noised["released"] == true && exact["mean"] != noised["mean"])
        .count();
    assert!(differing > 0, "no released mean carries noise");
    assert_eq!(linked.helper.store().release_log().unwrap().len(), 1);
}

/// The release rule holds in two-server mode as in one: with a team below
/// k beside others, the same cells are withheld (the small team, and what
/// would give it by subtraction), decided on counts both servers opened.
#[tokio::test]
async fn a_small_team_is_withheld_as_with_one_server_and_cannot_be_had_by_subtraction() {
    let one = world();
    let two = two_server_world();
    // Teams of 9, 6 and 3 devices: the third is below k.
    let team_of_small = |world: &World, device: usize| match device {
        0..=8 => world.teams[0][0].clone(),
        9..=14 => world.teams[0][1].clone(),
        _ => world.teams[1][0].clone(),
    };
    for device in 0..18 {
        let token = one.enrol(&team_of_small(&one, device)).await;
        one.report_ok(&token, plain_report(device)).await;
        let team = team_of_small(&two.world, device);
        enrol_and_send_shares(&two.world, &team, device).await;
    }
    one.advance_to_publication();
    two.world.advance_to_publication();
    let plain = published(&one).await;
    let shared = published(&two.world).await;
    assert_same_figures(&plain, &shared);
    let small = two.world.teams[1][0].as_str();
    let small_department = two.world.departments[1].as_str();
    for cell in &shared {
        if cell["unit_id"] == small || cell["unit_id"] == small_department {
            assert_eq!(cell["released"], false, "{cell}");
        }
    }
}

/// The helper decides on its own pinned settings: a leader whose k was
/// lowered after pairing (before any report, the only time it may be)
/// wants to release cells the helper does not, and nothing is published.
#[tokio::test]
async fn a_leader_that_lowered_k_after_pairing_publishes_nothing() {
    let two = two_server_world();
    two.world
        .store
        .set_threshold(&two.world.organisation_id, polso_core::anonymity::Threshold::new(3).unwrap())
        .unwrap();
    // Four devices in one team: enough for k = 3, not for the helper's k = 5.
    for device in 0..4 {
        let team = two.world.teams[0][0].clone();
        enrol_and_send_shares(&two.world, &team, device).await;
    }
    two.world.advance_to_publication();
    let table =
        two.world.read_table(&format!("unit=team&key={}&from={WEEK}&to={WEEK}", week_keys()[0])).await;
    // With k = 5 on both sides the week would be published (nothing of four
    // released); here it is not published at all.
    assert_eq!(table["published_through"], Value::Null, "{table}");
    assert!(table["cells"].as_array().unwrap().iter().all(|cell| cell["released"] == false), "{table}");
}

/// k cannot be lowered once reports are held as shares, as with plain sums.
#[tokio::test]
async fn k_cannot_be_lowered_once_shares_are_held() {
    let two = two_server_world();
    let team = two.world.teams[0][0].clone();
    enrol_and_send_shares(&two.world, &team, 0).await;
    let refused = two
        .world
        .store
        .set_threshold(&two.world.organisation_id, polso_core::anonymity::Threshold::new(3).unwrap());
    assert!(refused.is_err(), "k lowered while shares are held");
}

/// A leader that inflates its count shares (to make a small cell pass k) is
/// refused by the helper: no count may exceed the reports the helper
/// verified itself, and the week is not released.
#[tokio::test]
async fn a_leader_lying_about_counts_gets_nothing_from_the_helper() {
    use polso_server::shared_release::{SharedWeek, count_shares};
    use polso_vdaf::{Share, WeekShares};

    let two = two_server_world();
    for device in 0..7 {
        let team = two.world.teams[0][0].clone();
        enrol_and_send_shares(&two.world, &team, device).await;
    }
    two.world.advance_to_publication();
    let round = verify_now(&two).unwrap();
    assert_eq!(round.verified, 7);
    let store = two.world.open_replica();
    let tree =
        polso_server::ServerStore::organisation_tree(store.as_ref(), &two.world.organisation_id).unwrap();
    let shared = polso_server::ServerStore::shared(store.as_ref()).unwrap();
    let link = shared.helper_link(&two.world.organisation_id).unwrap().unwrap();
    let bank = ItemBank::embedded();
    let schedule = Schedule::with_plan(bank, tree.organisation.seed, &tree.organisation.questionnaire);
    let shared_week = SharedWeek::new(&tree, &schedule, week()).unwrap();
    let sums: std::collections::BTreeMap<String, WeekShares> = shared
        .shared_sums(&two.world.organisation_id, week())
        .unwrap()
        .into_iter()
        .map(|(team, bytes)| (team, WeekShares::from_bytes(shared_week.layout(), &bytes).unwrap()))
        .collect();
    let mut counts = count_shares(&shared_week, &sums);
    // The lie: ten more in the first count of the team, past its seven reports.
    for shares in counts.values_mut() {
        shares[0] = shares[0].plus(10);
    }
    let request = polso_server::helper_wire::ReleaseRequest {
        organisation_id: two.world.organisation_id.clone(),
        week: WEEK.to_owned(),
        reports_per_team: sums.iter().map(|(team, shares)| (team.clone(), shares.reports())).collect(),
        count_shares: counts
            .iter()
            .map(|(team, shares)| (team.clone(), STANDARD.encode(Share::encode_all(shares))))
            .collect(),
    };
    let refused = two.helper.release(&link.token, &request).expect_err("an inflated count is refused");
    assert!(refused.to_string().contains("above the 7 reports"), "{refused}");
    assert!(two.helper.store().release_log().unwrap().is_empty(), "nothing was released");
}

/// A helper whose clock says the week has not ended refuses the whole
/// request, and the leader keeps every report for the next round: nothing
/// is dropped for a condition that passes.
#[tokio::test]
async fn reports_wait_while_the_helper_says_the_week_has_not_ended() {
    let two = two_server_world();
    for device in 0..5 {
        let team = two.world.teams[0][0].clone();
        enrol_and_send_shares(&two.world, &team, device).await;
    }
    // The shared clock still shows the week being answered by the helper's reckoning.
    two.world.clock.set(enrolment_time());
    let error = verify_now(&two).unwrap_err();
    assert!(error.to_string().contains("has not ended"), "{error}");
    let store = two.world.open_replica();
    let shared = polso_server::ServerStore::shared(store.as_ref()).unwrap();
    assert_eq!(shared.pending_shared(&two.world.organisation_id, 10).unwrap().len(), 5, "kept for later");
    two.world.clock.set(crate::support::now());
    let round = verify_now(&two).unwrap();
    assert_eq!((round.verified, round.rejected), (5, 0));
}

/// While it holds sums not yet released, the helper refuses a new pairing
/// that lowers k or turns differential privacy off.
#[tokio::test]
async fn a_new_pairing_cannot_weaken_the_helper_while_it_holds_sums() {
    let two = two_server_world();
    for device in 0..5 {
        let team = two.world.teams[0][0].clone();
        enrol_and_send_shares(&two.world, &team, device).await;
    }
    verify_now(&two).unwrap();
    let (_, keys) = two.helper.store().identity().unwrap().unwrap();
    let helper = admin::HelperToLink {
        url: "http://helper.invalid".to_owned(),
        party: "RSU of Acme".to_owned(),
        public_key: STANDARD.encode(keys.public().as_bytes()),
        from_week: week().next(),
    };
    let settings = polso_server::ServerConfig::default().publication();
    let mut pairing =
        admin::link_helper(two.world.store.as_ref(), &two.world.organisation_id, &helper, settings).unwrap();
    pairing.k = 3;
    let refused = two.helper.store().pair(&pairing, enrolment_time()).unwrap_err();
    assert!(refused.to_string().contains("may not lower k"), "{refused}");
    pairing.k = 5;
    // A raised head-count, or a team the helper did not pin, would let more
    // reports into the week it already counts (the leader's sybils).
    let pinned = pairing.departments[0].teams[0].headcount;
    pairing.departments[0].teams[0].headcount = pinned + 1;
    let refused = two.helper.store().pair(&pairing, enrolment_time()).unwrap_err();
    assert!(refused.to_string().contains("may not raise a team's head-count"), "{refused}");
    pairing.departments[0].teams[0].headcount = pinned;
    let mut added = pairing.clone();
    added.departments[0]
        .teams
        .push(polso_server::helper_wire::PairedTeam { id: "team_new".to_owned(), headcount: 3 });
    let refused = two.helper.store().pair(&added, enrolment_time()).unwrap_err();
    assert!(refused.to_string().contains("team 'team_new'"), "{refused}");
    // A lower head-count takes nothing away from what it holds, and the same pairing is accepted.
    pairing.departments[0].teams[0].headcount = pinned - 1;
    two.helper.store().pair(&pairing, enrolment_time()).expect("a lower head-count is accepted");
}

/// A helper that inflates its count shares in its answer: the leader refuses
/// to publish (no count may exceed the reports it verified itself).
#[tokio::test]
async fn a_helper_lying_about_counts_gets_nothing_published() {
    use polso_server::helper_wire::{ReleaseRequest, ReleaseResponse, VerifyRequest, VerifyResponse};
    use polso_server::leader::HelperApi;
    use polso_server::store::shared::HelperLink;
    use polso_vdaf::Share;

    struct Lying(Arc<LocalHelperApi>);
    impl HelperApi for Lying {
        fn verify(&self, link: &HelperLink, request: &VerifyRequest) -> polso_server::Result<VerifyResponse> {
            self.0.verify(link, request)
        }
        fn release(
            &self,
            link: &HelperLink,
            request: &ReleaseRequest,
        ) -> polso_server::Result<ReleaseResponse> {
            let mut response = self.0.release(link, request)?;
            for text in response.count_shares.values_mut() {
                let bytes = STANDARD.decode(&*text).unwrap();
                let mut shares = Share::decode_all(&bytes, bytes.len() / Share::LEN).unwrap();
                shares[0] = shares[0].plus(10);
                *text = STANDARD.encode(Share::encode_all(&shares));
            }
            Ok(response)
        }
    }

    let mut two = two_server_world();
    two.world.helper_api = Some(Arc::new(Lying(two.helper_api.clone())));
    for device in 0..7 {
        let team = two.world.teams[0][0].clone();
        enrol_and_send_shares(&two.world, &team, device).await;
    }
    two.world.advance_to_publication();
    let table =
        two.world.read_table(&format!("unit=team&key={}&from={WEEK}&to={WEEK}", week_keys()[0])).await;
    assert_eq!(table["published_through"], Value::Null, "{table}");
}

/// Sybils of the leader: its operator raises a team's head-count on its own
/// server after pairing and enrols devices of its own, ten reports in a team
/// whose head-count the helper pinned at six. The helper verifies six and
/// refuses the rest, so no team-week counts more reports than the people
/// the representatives agreed it has, and the published count is six.
#[tokio::test]
async fn the_helper_verifies_no_more_reports_of_a_team_week_than_its_pinned_headcount() {
    let world = world();
    let team = world.teams[0][0].clone();
    admin::set_headcount(world.store.as_ref(), &team, 6).unwrap();
    let two = linked(world);
    admin::set_headcount(two.world.store.as_ref(), &team, 10).unwrap();
    for device in 0..10 {
        enrol_and_send_shares(&two.world, &team, device).await;
    }
    two.world.advance_to_publication();
    let round = verify_now(&two).unwrap();
    assert_eq!((round.verified, round.rejected), (6, 4));
    let cells = published(&two.world).await;
    let counts: Vec<u64> = cells.iter().filter_map(|cell| cell["n"].as_u64()).collect();
    assert!(counts.contains(&6) && counts.iter().all(|n| *n <= 6), "{counts:?}");
    let log = two.helper.store().release_log().unwrap();
    assert!(log[0].summary.contains("from 6 reports of 1 teams"), "{}", log[0].summary);
}

/// A helper that answers nothing until the test lets it, then fails as a
/// timed-out call would; it counts the calls it gets.
struct HangingHelper {
    calls: std::sync::atomic::AtomicUsize,
    gate: std::sync::Mutex<bool>,
    opened: std::sync::Condvar,
}

impl HangingHelper {
    fn hang(&self) -> polso_server::Result<()> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let mut open = self.gate.lock().unwrap();
        while !*open {
            open = self.opened.wait(open).unwrap();
        }
        Err(polso_server::ServerError::Helper("timed out".to_owned()))
    }

    fn calls(&self) -> usize {
        self.calls.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl polso_server::leader::HelperApi for HangingHelper {
    fn verify(
        &self,
        _: &polso_server::store::shared::HelperLink,
        _: &polso_server::helper_wire::VerifyRequest,
    ) -> polso_server::Result<polso_server::helper_wire::VerifyResponse> {
        self.hang().map(|()| unreachable!())
    }

    fn release(
        &self,
        _: &polso_server::store::shared::HelperLink,
        _: &polso_server::helper_wire::ReleaseRequest,
    ) -> polso_server::Result<polso_server::helper_wire::ReleaseResponse> {
        self.hang().map(|()| unreachable!())
    }
}

/// A helper that hangs does not hang HR: while the background pass waits on
/// it, a read waits only its patience and serves what is published (the
/// week not yet); once a call failed slowly, reads leave the helper to the
/// background pass and call it no more.
#[tokio::test]
async fn a_helper_that_hangs_does_not_hold_up_hr_reads() {
    use polso_server::publish::{Patience, Publisher};

    let two = two_server_world();
    for device in 0..6 {
        let team = two.world.teams[0][0].clone();
        enrol_and_send_shares(&two.world, &team, device).await;
    }
    two.world.advance_to_publication();
    let hanging = Arc::new(HangingHelper {
        calls: Default::default(),
        gate: std::sync::Mutex::new(false),
        opened: std::sync::Condvar::new(),
    });
    let patience = Patience {
        read_wait: std::time::Duration::from_millis(200),
        slow_call: std::time::Duration::from_millis(100),
        backoff: std::time::Duration::from_secs(600),
    };
    let publisher = Arc::new(Publisher::with_patience(hanging.clone(), patience));
    let settings = polso_server::ServerConfig::default().publication();
    let now = publish_time();
    let replica = two.world.open_replica();
    let background = {
        let publisher = publisher.clone();
        std::thread::spawn(move || publisher.publish_all_due(replica.as_ref(), settings, now))
    };
    while hanging.calls() == 0 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    // A read on its own thread, which must answer while the helper hangs.
    let read_now = || {
        let (sender, answer) = std::sync::mpsc::channel();
        let publisher = publisher.clone();
        let replica = two.world.open_replica();
        let organisation = two.world.organisation_id.clone();
        std::thread::spawn(move || {
            let _ = sender.send(publisher.publish_due_weeks_for_read(
                replica.as_ref(),
                &organisation,
                settings,
                now,
            ));
        });
        answer.recv_timeout(std::time::Duration::from_secs(20))
    };
    let open_gate = || {
        *hanging.gate.lock().unwrap() = true;
        hanging.opened.notify_all();
    };
    // The background pass hangs on the helper: a read gives up waiting for it.
    let Ok(read) = read_now() else {
        open_gate();
        panic!("a read waited on the hanging helper");
    };
    assert!(read.unwrap().is_empty());
    assert_eq!(hanging.calls(), 1, "the read called the hanging helper");
    let store = two.world.open_replica();
    assert!(
        polso_server::ServerStore::last_published_week(store.as_ref(), &two.world.organisation_id)
            .unwrap()
            .is_none()
    );

    // The call fails slowly; the background pass goes on (it keeps trying the helper).
    std::thread::sleep(std::time::Duration::from_millis(150));
    open_gate();
    background.join().unwrap().unwrap();
    *hanging.gate.lock().unwrap() = false;
    let calls = hanging.calls();
    // Now reads leave the helper alone and answer at once.
    let Ok(read) = read_now() else {
        open_gate();
        panic!("a read called the helper that hung, and waited on it");
    };
    assert!(read.unwrap().is_empty());
    assert_eq!(hanging.calls(), calls, "a read called a helper that hung");
}
