//! The PostgreSQL store against a real server: the administrator's roster,
//! personal codes and credentials, and two-server aggregation, through the
//! same public functions the command line and the handlers use.
//!
//! They need `POLSO_TEST_POSTGRES_URL`, a PostgreSQL server
//! (`postgres://user@host:port/database`; `cargo xtask test` starts one), so
//! they are ignored by a plain `cargo test` and run with `--include-ignored`;
//! run without the variable, each fails saying so. Each test works in a schema of its
//! own, dropped at its end, so they run in parallel. "Two replicas" are two
//! stores opened on the same schema: two pools, as two server processes have.

use std::sync::Barrier;
use std::time::Duration;

use blind_rsa_signatures::{BlindSignature, DefaultRng, PublicKeySha384PSSRandomized};
use chrono::{DateTime, TimeZone, Utc};
use polso_api::ErrorCode;
use polso_core::IsoWeek;
use polso_core::anonymity::Threshold;
use postgres::NoTls;

use super::PgServerStore;
use crate::admin;
use crate::credential::{
    DecodedCredential, message_hash, normalise_personal_code, personal_code_hash, sign_blinded,
};
use crate::error::{Result, ServerError};
use crate::secrets::{Hash32, hash_secret, normalise_invite_code, random_bytes, to_hex};
use crate::store::admin::AdminStore;
use crate::store::credentials::{CredentialStore, create_personal_codes};
use crate::store::shared::{PendingShared, SharedStore};
use crate::store::{FoldOutcome, GrantedScope, ServerStore, WeekPublication};

/// A store in a schema of its own, dropped with it.
struct TestStore {
    store: PgServerStore,
    url: String,
    schema: String,
}

impl TestStore {
    /// A new store in a schema of its own.
    fn open() -> TestStore {
        let url = std::env::var("POLSO_TEST_POSTGRES_URL").expect(
            "this test needs POLSO_TEST_POSTGRES_URL, a PostgreSQL it may create schemas in \
             (cargo xtask test starts one; cargo xtask postgres starts one by hand)",
        );
        let schema = format!("t_{}", to_hex(&random_bytes::<8>().expect("randomness")));
        let store = PgServerStore::open_in_schema(&url, &schema).expect("opening the test schema");
        TestStore { store, url, schema }
    }

    /// A second store on the same schema: another replica.
    fn replica(&self) -> PgServerStore {
        PgServerStore::open_in_schema(&self.url, &self.schema).expect("opening a replica")
    }
}

impl std::ops::Deref for TestStore {
    type Target = PgServerStore;

    fn deref(&self) -> &PgServerStore {
        &self.store
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        // Best effort: a schema left behind holds nothing but test data.
        if let Ok(mut client) = postgres::Client::connect(&self.url, NoTls) {
            let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema));
        }
    }
}

/// An organisation with one department and one team.
struct Roster {
    organisation_id: String,
    department_id: String,
    team_id: String,
}

/// A new organisation whose one team has `headcount` declared.
fn roster(store: &PgServerStore, headcount: u32) -> Roster {
    let organisation_id = admin::init_organisation(store, "Acme").unwrap().id;
    let department_id = admin::add_department(store, &organisation_id, "Support").unwrap();
    let team_id = admin::add_team_with_headcount(store, &department_id, "Tier 1", headcount).unwrap();
    Roster { organisation_id, department_id, team_id }
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 16, 9, 0, 0).unwrap()
}

/// Enrols one device into `team_id` with a new invite code, as `POST /v1/enrol` does.
fn enrol_by_invite(store: &PgServerStore, team_id: &str) -> Result<String> {
    let code = admin::create_invite(store, team_id, now(), 7, 1)?;
    let token = crate::secrets::new_device_token()?;
    store.redeem_invite(&hash_secret(&normalise_invite_code(&code)), &hash_secret(&token), now())?;
    Ok(token)
}

fn n_devices(store: &PgServerStore, team_id: &str) -> u32 {
    admin::team_headcount(store, team_id).unwrap().n_devices
}

fn code_hash(code: &str) -> Hash32 {
    personal_code_hash(&normalise_personal_code(code).unwrap())
}

/// The app's side of the exchange, as polso-desktop does it: blinds a
/// random message for the code's team key, spends the code for the blind
/// signature, and unblinds it into a credential.
fn obtain_credential(credentials: &dyn CredentialStore, code: &str) -> Result<DecodedCredential> {
    let team = credentials.personal_code_team(&code_hash(code))?.ok_or(ServerError::InviteUnknown)?;
    let public_key = PublicKeySha384PSSRandomized::from_der(&team.public_key_der).unwrap();
    let message = random_bytes::<32>()?;
    let blinding = public_key.blind(&mut DefaultRng, message).unwrap();
    let blind_signature = credentials.spend_personal_code(&code_hash(code), &mut |secret_key_der| {
        sign_blinded(secret_key_der, &blinding.blind_message.0)
    })?;
    let signature = public_key.finalize(&BlindSignature(blind_signature), &blinding, message).unwrap();
    Ok(DecodedCredential {
        message: message.to_vec(),
        message_randomizer: blinding.msg_randomizer.unwrap().0,
        signature: signature.0,
    })
}

/// Runs `work` on two threads started together, one per store.
fn at_once<T: Send>(stores: [&PgServerStore; 2], work: impl Fn(&PgServerStore) -> T + Sync) -> [T; 2] {
    let barrier = Barrier::new(2);
    std::thread::scope(|scope| {
        let [first, second] = stores.map(|store| {
            let (barrier, work) = (&barrier, &work);
            scope.spawn(move || {
                barrier.wait();
                work(store)
            })
        });
        [first.join().unwrap(), second.join().unwrap()]
    })
}

#[test]
#[ignore = "needs PostgreSQL; cargo xtask test runs it (POLSO_TEST_POSTGRES_URL)"]
fn a_headcount_is_never_set_below_the_enrolled_devices_until_one_is_revoked() {
    let store = TestStore::open();
    let roster = roster(&store, 3);
    for _ in 0..3 {
        enrol_by_invite(&store, &roster.team_id).unwrap();
    }
    let refused = enrol_by_invite(&store, &roster.team_id).unwrap_err();
    assert!(matches!(refused, ServerError::TeamFull { headcount: 3, .. }), "{refused}");

    let error = admin::set_headcount(&*store, &roster.team_id, 2).unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidInput);
    assert!(
        error.to_string().contains("3 enrolled devices") && error.to_string().contains("revoke"),
        "{error}"
    );
    let team = admin::team_headcount(&*store, &roster.team_id).unwrap();
    assert_eq!((team.headcount, team.n_devices), (Some(3), 3));
    for bad in [0, 10_001] {
        assert_eq!(
            admin::set_headcount(&*store, &roster.team_id, bad).unwrap_err().code(),
            ErrorCode::InvalidInput
        );
    }
    assert_eq!(admin::set_headcount(&*store, "team_missing", 4).unwrap_err().code(), ErrorCode::NotFound);

    let listed = admin::list_devices(&*store, &roster.organisation_id, Some(&roster.team_id)).unwrap();
    let devices = &listed[0].1;
    assert_eq!(devices.len(), 3);
    assert!(devices.windows(2).all(|pair| pair[0].id < pair[1].id), "ordered by id: {devices:?}");
    assert_eq!(devices[0].enrolled_week, Some(IsoWeek::containing(now().date_naive())));
    admin::revoke_device(&*store, &devices[0].id.to_uppercase().replace("DEV_", " dev_")).unwrap();
    assert_eq!(admin::revoke_device(&*store, &devices[0].id).unwrap_err().code(), ErrorCode::NotFound);
    assert_eq!(admin::revoke_device(&*store, "dev_nothex").unwrap_err().code(), ErrorCode::InvalidInput);
    assert_eq!(store.devices(&roster.team_id).unwrap().len(), 2);

    admin::set_headcount(&*store, &roster.team_id, 2).unwrap();
    let team = admin::team_headcount(&*store, &roster.team_id).unwrap();
    assert_eq!((team.headcount, team.n_devices), (Some(2), 2));
    assert!(matches!(enrol_by_invite(&store, &roster.team_id), Err(ServerError::TeamFull { .. })));
}

#[test]
#[ignore = "needs PostgreSQL; cargo xtask test runs it (POLSO_TEST_POSTGRES_URL)"]
fn invites_are_listed_by_id_and_a_revoked_one_enrols_nobody() {
    let store = TestStore::open();
    let roster = roster(&store, 10);
    let other_team = admin::add_team_with_headcount(&*store, &roster.department_id, "Tier 2", 10).unwrap();
    let code = admin::create_invite(&*store, &roster.team_id, now(), 7, 4).unwrap();
    let other_code = admin::create_invite(&*store, &other_team, now(), 1, 2).unwrap();
    let invites = admin::list_invites(&*store, &roster.organisation_id).unwrap();
    assert_eq!(invites.len(), 2);
    let invite = invites.iter().find(|invite| invite.team_id == roster.team_id).unwrap();
    assert_eq!((invite.uses_left, invite.expires_at), (4, now() + chrono::Duration::days(7)));
    assert!(invite.id.starts_with("inv_") && invite.id.len() == 16, "{}", invite.id);
    assert!(!format!("{invites:?}").contains(&code));

    admin::revoke_invite(&*store, &format!(" {} ", invite.id.to_uppercase().replace("INV_", "inv_")))
        .unwrap();
    let token_hash = hash_secret("a device token");
    let refused = store.redeem_invite(&hash_secret(&normalise_invite_code(&code)), &token_hash, now());
    assert!(matches!(refused, Err(ServerError::InviteUnknown)), "{refused:?}");
    assert_eq!(admin::revoke_invite(&*store, &invite.id).unwrap_err().code(), ErrorCode::NotFound);
    assert_eq!(admin::revoke_invite(&*store, "inv_xyz").unwrap_err().code(), ErrorCode::InvalidInput);

    // The other invite still works, and lists one use fewer.
    store.redeem_invite(&hash_secret(&normalise_invite_code(&other_code)), &token_hash, now()).unwrap();
    let invites = admin::list_invites(&*store, &roster.organisation_id).unwrap();
    assert_eq!(
        invites.iter().map(|invite| (&*invite.team_id, invite.uses_left)).collect::<Vec<_>>(),
        [(&*other_team, 1)]
    );
    assert_eq!(admin::list_invites(&*store, "org_missing").unwrap_err().code(), ErrorCode::NotFound);
}

#[test]
#[ignore = "needs PostgreSQL; cargo xtask test runs it (POLSO_TEST_POSTGRES_URL)"]
fn hr_tokens_are_listed_with_their_scope_and_whether_revoked() {
    let store = TestStore::open();
    let roster = roster(&store, 5);
    let whole = admin::create_hr_token(&*store, &roster.organisation_id, &[]).unwrap();
    let departments = [roster.department_id.clone()];
    let scoped = admin::create_hr_token(&*store, &roster.organisation_id, &departments).unwrap();
    let teams = [roster.team_id.clone()];
    let manager = admin::create_manager_token(&*store, &roster.organisation_id, &teams).unwrap();
    admin::revoke_hr_token(&*store, &scoped.id).unwrap();

    let tokens = admin::list_hr_tokens(&*store, &roster.organisation_id).unwrap();
    let mut expected = vec![
        (whole.id.clone(), GrantedScope::Organisation, false),
        (scoped.id.clone(), GrantedScope::Departments(departments.to_vec()), true),
        (manager.id.clone(), GrantedScope::Teams(teams.to_vec()), false),
    ];
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    let listed: Vec<_> =
        tokens.iter().map(|token| (token.id.clone(), token.scope.clone(), token.revoked)).collect();
    assert_eq!(listed, expected);
    let printed = format!("{tokens:?}");
    assert!(
        ![&whole.token, &scoped.token, &manager.token].iter().any(|token| printed.contains(token.as_str()))
    );
    assert_eq!(admin::list_hr_tokens(&*store, "org_missing").unwrap_err().code(), ErrorCode::NotFound);
}

#[test]
#[ignore = "needs PostgreSQL; cargo xtask test runs it (POLSO_TEST_POSTGRES_URL)"]
fn a_personal_code_is_spent_once_and_kept_when_signing_fails_or_the_team_is_full() {
    let store = TestStore::open();
    let roster = roster(&store, 1);
    let created = create_personal_codes(&*store, &roster.team_id, 3).unwrap();
    assert_eq!((created.codes.len(), created.unspent), (3, 3));
    let credentials = store.credentials().expect("PostgreSQL keeps personal codes");
    let team = credentials.personal_code_team(&code_hash(&created.codes[0])).unwrap().unwrap();
    assert_eq!((team.team_id.as_str(), team.team_name.as_str()), (roster.team_id.as_str(), "Tier 1"));
    assert_eq!(crate::credential::key_fingerprint(&team.public_key_der), created.key_fingerprint);
    // More codes later are signed under the same key.
    let more = create_personal_codes(&*store, &roster.team_id, 1).unwrap();
    assert_eq!((more.key_fingerprint.as_str(), more.unspent), (created.key_fingerprint.as_str(), 4));

    // Signing fails: the code stays unspent.
    let failed = credentials.spend_personal_code(&code_hash(&created.codes[0]), &mut |_| {
        Err(ServerError::InvalidInput("not a blinded message".to_owned()))
    });
    assert!(matches!(failed, Err(ServerError::InvalidInput(_))), "{failed:?}");
    assert_eq!(credentials.unspent_personal_codes(&roster.team_id).unwrap(), 4);

    let credential = obtain_credential(credentials, &created.codes[0]).unwrap();
    credential.verify(&team.public_key_der).unwrap();
    assert_eq!(credentials.unspent_personal_codes(&roster.team_id).unwrap(), 3);
    assert!(credentials.personal_code_team(&code_hash(&created.codes[0])).unwrap().is_none());
    let again = obtain_credential(credentials, &created.codes[0]);
    assert!(matches!(again, Err(ServerError::InviteUnknown)), "{again:?}");

    // The team's one place taken, the next code is refused and not spent.
    credentials
        .redeem_credential(&roster.team_id, &message_hash(&credential.message), &hash_secret("device"), now())
        .unwrap();
    let full = obtain_credential(credentials, &created.codes[1]);
    assert!(matches!(full, Err(ServerError::TeamFull { headcount: 1, .. })), "{full:?}");
    assert_eq!(credentials.unspent_personal_codes(&roster.team_id).unwrap(), 3);
    assert_eq!(create_personal_codes(&*store, "team_missing", 1).unwrap_err().code(), ErrorCode::NotFound);
}

#[test]
#[ignore = "needs PostgreSQL; cargo xtask test runs it (POLSO_TEST_POSTGRES_URL)"]
fn two_replicas_spending_one_code_at_once_spend_it_once() {
    let store = TestStore::open();
    let replica = store.replica();
    let roster = roster(&store, 5);
    let code = create_personal_codes(&*store, &roster.team_id, 1).unwrap().codes.remove(0);
    let outcomes = at_once([&store, &replica], |replica| {
        replica.credentials().unwrap().spend_personal_code(&code_hash(&code), &mut |_| {
            // Signing takes a while: long enough for the other replica to try meanwhile.
            std::thread::sleep(Duration::from_millis(300));
            Ok(b"signature".to_vec())
        })
    });
    let signed = outcomes.iter().filter(|outcome| outcome.is_ok()).count();
    let refused =
        outcomes.iter().filter(|outcome| matches!(outcome, Err(ServerError::InviteUnknown))).count();
    assert_eq!((signed, refused), (1, 1), "{outcomes:?}");
    assert_eq!(store.unspent_personal_codes(&roster.team_id).unwrap(), 0);
}

#[test]
#[ignore = "needs PostgreSQL; cargo xtask test runs it (POLSO_TEST_POSTGRES_URL)"]
fn a_credential_enrols_one_device_once_even_on_two_replicas_at_once() {
    let store = TestStore::open();
    let replica = store.replica();
    let roster = roster(&store, 5);
    let codes = create_personal_codes(&*store, &roster.team_id, 2).unwrap().codes;
    let credential = obtain_credential(&*store, &codes[0]).unwrap();
    let message = message_hash(&credential.message);

    let enrolment = store.redeem_credential(&roster.team_id, &message, &hash_secret("first"), now()).unwrap();
    assert_eq!(
        (enrolment.team_id.as_str(), enrolment.team_name.as_str()),
        (roster.team_id.as_str(), "Tier 1")
    );
    assert_eq!(enrolment.organisation.id, roster.organisation_id);
    let membership = store.device(&hash_secret("first")).unwrap().unwrap();
    assert_eq!(membership.enrolled_week, Some(IsoWeek::containing(now().date_naive())));
    let again = store.redeem_credential(&roster.team_id, &message, &hash_secret("second"), now());
    assert!(matches!(again, Err(ServerError::InviteExhausted)), "{again:?}");
    assert_eq!(n_devices(&store, &roster.team_id), 1);

    let other = message_hash(&obtain_credential(&*store, &codes[1]).unwrap().message);
    let tokens = [hash_secret("left"), hash_secret("right")];
    let outcomes = at_once([&store, &replica], |replica| {
        let token = if std::ptr::eq(replica, &*store) { &tokens[0] } else { &tokens[1] };
        replica.redeem_credential(&roster.team_id, &other, token, now())
    });
    let enrolled = outcomes.iter().filter(|outcome| outcome.is_ok()).count();
    let refused =
        outcomes.iter().filter(|outcome| matches!(outcome, Err(ServerError::InviteExhausted))).count();
    assert_eq!((enrolled, refused), (1, 1), "{outcomes:?}");
    assert_eq!(n_devices(&store, &roster.team_id), 2);

    // A team that does not exist answers as a credential not signed by its key.
    let nowhere = store.redeem_credential("team_missing", &hash_secret("m"), &hash_secret("d"), now());
    assert!(matches!(nowhere, Err(ServerError::Unauthorized(_))), "{nowhere:?}");
}

#[test]
#[ignore = "needs PostgreSQL; cargo xtask test runs it (POLSO_TEST_POSTGRES_URL)"]
fn two_replicas_enrolling_into_the_last_place_at_once_enrol_one_and_answer_team_full() {
    let store = TestStore::open();
    let replica = store.replica();
    let roster = roster(&store, 1);
    let stores = [&*store, &replica];
    // A few rounds, each into a new team with one place, so that the two
    // transactions overlap in at least some of them.
    for round in 0..5 {
        let team_id =
            admin::add_team_with_headcount(&*store, &roster.department_id, &format!("Round {round}"), 1)
                .unwrap();
        create_personal_codes(&*store, &team_id, 1).unwrap();
        let outcomes = at_once(stores, |replica| {
            let message = random_bytes::<32>().unwrap();
            let token = random_bytes::<32>().unwrap();
            replica.redeem_credential(&team_id, &message, &token, now())
        });
        let enrolled = outcomes.iter().filter(|outcome| outcome.is_ok()).count();
        let full = outcomes
            .iter()
            .filter(|outcome| matches!(outcome, Err(ServerError::TeamFull { headcount: 1, .. })))
            .count();
        assert_eq!((enrolled, full), (1, 1), "round {round}: {outcomes:?}");
        assert_eq!(n_devices(&store, &team_id), 1);
    }
}

#[test]
#[ignore = "needs PostgreSQL; cargo xtask test runs it (POLSO_TEST_POSTGRES_URL)"]
fn a_helper_link_is_set_read_and_replaced() {
    let store = TestStore::open();
    let roster = roster(&store, 5);
    let shared = store.shared().expect("PostgreSQL keeps two-server aggregation");
    assert!(shared.helper_link(&roster.organisation_id).unwrap().is_none());
    let key = polso_vdaf::HelperKeyPair::generate();
    let from_week = IsoWeek::containing(now().date_naive());
    let helper = admin::HelperToLink {
        url: "https://helper.example:8443".to_owned(),
        party: "RSU of Acme".to_owned(),
        public_key: crate::helper::to_base64(key.public().as_bytes()),
        from_week,
    };
    let settings = crate::ServerConfig::default().publication();
    let pairing = admin::link_helper(&*store, &roster.organisation_id, &helper, settings).unwrap();
    let link = shared.helper_link(&roster.organisation_id).unwrap().unwrap();
    assert_eq!(
        (link.url.as_str(), link.party.as_str(), link.from_week),
        ("https://helper.example:8443", "RSU of Acme", from_week)
    );
    assert_eq!(link.public_key, key.public().as_bytes().to_vec());
    assert_eq!(crate::helper::to_base64(&link.verify_key), pairing.verify_key);
    assert_eq!(link.token, pairing.leader_token);
    // The pairing pins the team's declared head-count.
    assert_eq!(pairing.departments[0].teams[0].headcount, 5);

    let relinked = admin::HelperToLink { party: "Another party".to_owned(), ..helper };
    admin::link_helper(&*store, &roster.organisation_id, &relinked, settings).unwrap();
    let link = shared.helper_link(&roster.organisation_id).unwrap().unwrap();
    assert_eq!(link.party, "Another party");
    assert_ne!(link.token, pairing.leader_token);
}

/// A report as received, its shares arbitrary bytes (the store does not read them).
fn pending(roster: &Roster, week: IsoWeek, report_id: u8) -> PendingShared {
    PendingShared {
        report_id: [report_id; 16],
        organisation_id: roster.organisation_id.clone(),
        team_id: roster.team_id.clone(),
        week,
        public_shares: vec![1, report_id],
        leader_shares: vec![2, report_id],
        helper_encapsulated_key: vec![3; 32],
        helper_ciphertext: vec![4, report_id],
    }
}

#[test]
#[ignore = "needs PostgreSQL; cargo xtask test runs it (POLSO_TEST_POSTGRES_URL)"]
fn a_shared_report_is_kept_once_until_it_is_settled() {
    let store = TestStore::open();
    let roster = roster(&store, 5);
    let shared = store.shared().unwrap();
    let week = IsoWeek::containing(now().date_naive());
    let later = week.next();
    let first = pending(&roster, week, 1);
    let second = pending(&roster, later, 2);
    let third = pending(&roster, week, 3);

    assert_eq!(shared.accept_shared_report(&hash_secret("receipt 1"), &first).unwrap(), FoldOutcome::Counted);
    // The same device's report again, even with another id, is counted already.
    assert_eq!(
        shared.accept_shared_report(&hash_secret("receipt 1"), &third).unwrap(),
        FoldOutcome::AlreadyCounted
    );
    // A new receipt with an id already received is refused, and its receipt not kept.
    let reused = shared.accept_shared_report(&hash_secret("receipt 2"), &first).unwrap_err();
    assert_eq!(reused.code(), ErrorCode::InvalidInput, "{reused}");
    assert_eq!(
        shared.accept_shared_report(&hash_secret("receipt 2"), &second).unwrap(),
        FoldOutcome::Counted
    );
    assert_eq!(shared.accept_shared_report(&hash_secret("receipt 3"), &third).unwrap(), FoldOutcome::Counted);

    // Oldest week first, then by id; `limit` applies.
    let waiting = shared.pending_shared(&roster.organisation_id, 10).unwrap();
    assert_eq!(waiting, [first.clone(), third.clone(), second.clone()]);
    assert_eq!(shared.pending_shared(&roster.organisation_id, 1).unwrap(), std::slice::from_ref(&first));
    assert_eq!(shared.pending_shared_count(&roster.organisation_id, week).unwrap(), 2);
    assert_eq!(store.earliest_collected_week(&roster.organisation_id).unwrap(), Some(week));

    shared
        .settle_shared(&[first.report_id, third.report_id], &[(roster.team_id.clone(), week, vec![9, 9])])
        .unwrap();
    assert_eq!(shared.pending_shared(&roster.organisation_id, 10).unwrap(), std::slice::from_ref(&second));
    assert_eq!(shared.pending_shared_count(&roster.organisation_id, week).unwrap(), 0);
    assert_eq!(
        shared.shared_sums(&roster.organisation_id, week).unwrap(),
        [(roster.team_id.clone(), vec![9, 9])]
    );
    assert!(shared.shared_sums(&roster.organisation_id, later).unwrap().is_empty());

    // Settled again (another replica's late settlement of the same reports):
    // refused, and nothing changes.
    let late = shared
        .settle_shared(&[first.report_id, second.report_id], &[(roster.team_id.clone(), week, vec![7])]);
    assert_eq!(late.unwrap_err().code(), ErrorCode::InvalidInput);
    assert_eq!(shared.pending_shared(&roster.organisation_id, 10).unwrap(), std::slice::from_ref(&second));
    assert_eq!(
        shared.shared_sums(&roster.organisation_id, week).unwrap(),
        [(roster.team_id.clone(), vec![9, 9])]
    );
}

#[test]
#[ignore = "needs PostgreSQL; cargo xtask test runs it (POLSO_TEST_POSTGRES_URL)"]
fn a_shared_report_sent_to_two_replicas_at_once_is_kept_once_and_none_after_publication() {
    let store = TestStore::open();
    let replica = store.replica();
    let roster = roster(&store, 5);
    let week = IsoWeek::containing(now().date_naive());
    let report = pending(&roster, week, 5);
    let receipt = hash_secret("one device, one week");
    let outcomes =
        at_once([&store, &replica], |replica| replica.accept_shared_report(&receipt, &report).unwrap());
    let mut outcomes = outcomes.to_vec();
    outcomes.sort_by_key(|outcome| *outcome == FoldOutcome::AlreadyCounted);
    assert_eq!(outcomes, [FoldOutcome::Counted, FoldOutcome::AlreadyCounted]);
    assert_eq!(store.pending_shared_count(&roster.organisation_id, week).unwrap(), 1);

    let later = week.next();
    store
        .publish_week(
            &roster.organisation_id,
            &WeekPublication {
                week: later,
                published_at: now(),
                k: Threshold::DEFAULT,
                epsilon: None,
                cells: Vec::new(),
                ledger: Vec::new(),
            },
        )
        .unwrap();
    let late = store.accept_shared_report(&hash_secret("late"), &pending(&roster, later, 6)).unwrap_err();
    assert!(matches!(late, ServerError::WeekPublished { .. }), "{late}");
    assert_eq!(store.pending_shared_count(&roster.organisation_id, later).unwrap(), 0);
}

/// The reads every request or HR view makes use an index, not a scan of
/// the table: each is planned by PostgreSQL with sequential scans made as
/// costly as it allows (`enable_seqscan = off`), so a plan that still scans
/// one of the big tables has no index it could use.
#[test]
#[ignore = "needs PostgreSQL; cargo xtask test runs it (POLSO_TEST_POSTGRES_URL)"]
fn the_hot_reads_are_planned_on_indexes() {
    use super::store::{
        DEVICE_SQL, HR_TOKEN_SQL, LAST_PUBLISHED_SQL, PUBLISHED_CELLS_OF_UNITS_SQL, PUBLISHED_CELLS_SQL,
        TEAM_AGGREGATES_SQL,
    };
    let store = TestStore::open();
    let mut config: postgres::Config = store.url.parse().unwrap();
    config.options(&format!("-c search_path={} -c enable_seqscan=off", store.schema));
    let mut client = config.connect(NoTls).unwrap();
    let (organisation, key, week, hash) = ("org_x", "trust", 2_700_i64, vec![0_u8; 32]);
    let units = vec!["org_x".to_owned()];
    let no_key: Option<&str> = None;
    let plans: [(&str, &str, Vec<&(dyn postgres::types::ToSql + Sync)>); 7] = [
        ("published cells", PUBLISHED_CELLS_SQL, vec![&organisation, &key, &week, &week, &true]),
        (
            "published cells of units",
            PUBLISHED_CELLS_OF_UNITS_SQL,
            vec![&organisation, &key, &week, &week, &true, &units],
        ),
        ("team sums of a key", TEAM_AGGREGATES_SQL, vec![&organisation, &key, &week, &week]),
        ("team sums of every key", TEAM_AGGREGATES_SQL, vec![&organisation, &no_key, &week, &week]),
        ("a device", DEVICE_SQL, vec![&hash]),
        ("an HR token", HR_TOKEN_SQL, vec![&hash]),
        ("the last published week", LAST_PUBLISHED_SQL, vec![&organisation]),
    ];
    for (what, sql, parameters) in plans {
        let plan: Vec<String> = client
            .query(&format!("EXPLAIN {sql}"), &parameters)
            .unwrap()
            .iter()
            .map(|row| row.get::<_, String>(0))
            .collect();
        let plan = plan.join("\n");
        for table in ["published_cells", "aggregates", "devices", "hr_tokens", "publications"] {
            assert!(!plan.contains(&format!("Seq Scan on {table}")), "{what} scans {table}:\n{plan}");
        }
        // Some units' cells by their whole key, not by walking every team's entries of the weeks.
        if sql == PUBLISHED_CELLS_OF_UNITS_SQL {
            assert!(
                plan.contains("(week_index = w.week_index) AND (unit_id = u.unit_id))"),
                "{what} is not looked up by its whole key:\n{plan}"
            );
        }
    }
}

/// A comment of device `author` in `team_id`'s pool, completing `batch_id` if it does.
fn pooled_comment(team_id: &str, author: u16, batch_id: &str) -> crate::store::comments::PooledComment {
    let mut author_key = [7_u8; 32];
    author_key[..2].copy_from_slice(&author.to_be_bytes());
    crate::store::comments::PooledComment {
        id: format!("cmt_{}", to_hex(&random_bytes::<8>().unwrap())),
        team_id: team_id.to_owned(),
        text: format!("comment {author}"),
        thread_hash: random_bytes::<32>().unwrap(),
        author_key,
        batch_id: batch_id.to_owned(),
    }
}

/// Anonymity across replicas: two servers taking the last comments of a
/// team's pool at once release one batch of the batch size, never a batch
/// smaller than it (which would single out its writers). Round after round,
/// eight comments wait and the ninth and tenth arrive at once, one at each
/// replica. It fails when `pool_comment` does not lock the team's row first:
/// then each replica counts the pool without the other's comment, so both
/// count nine and neither releases (a pool left over its size), or both
/// count ten and the second releases a batch of its own comment alone
/// (checked by mutation: caught in each of several runs).
#[test]
#[ignore = "needs PostgreSQL; cargo xtask test runs it (POLSO_TEST_POSTGRES_URL)"]
fn two_replicas_completing_a_comment_pool_at_once_release_only_whole_batches() {
    let store = TestStore::open();
    let replica = store.replica();
    let roster = roster(&store, 100);
    let today = now().date_naive();
    let mut author = 0_u16;
    let mut next_author = || {
        author += 1;
        author
    };
    const ROUNDS: usize = 40;
    for round in 0..ROUNDS {
        for _ in 0..8 {
            let comment = pooled_comment(&roster.team_id, next_author(), &format!("bat_{round}_early"));
            store.comments().pool_comment(&roster.organisation_id, &comment, today).unwrap();
        }
        let last = [
            pooled_comment(&roster.team_id, next_author(), &format!("bat_{round}_a")),
            pooled_comment(&roster.team_id, next_author(), &format!("bat_{round}_b")),
        ];
        let stores = [&*store, &replica];
        let outcomes = at_once(stores, |pooling| {
            let mine = if std::ptr::eq(pooling, &*store) { &last[0] } else { &last[1] };
            pooling.comments().pool_comment(&roster.organisation_id, mine, today).unwrap()
        });
        let released = outcomes
            .iter()
            .filter(|outcome| {
                matches!(outcome, crate::store::comments::PoolOutcome::Pooled { released: true })
            })
            .count();
        assert_eq!(released, 1, "round {round}: {outcomes:?}");
    }
    let batches = store.comments().released_comments(&roster.team_id).unwrap();
    assert_eq!(batches.len(), ROUNDS);
    for batch in &batches {
        assert_eq!(batch.comments.len(), 10, "a batch of {} comments", batch.comments.len());
    }
}

/// A report of `device` for `team_id` in week 2026-W10: one item's value.
fn report_fold(organisation_id: &str, team_id: &str, device: u8) -> crate::store::ReportFold {
    crate::store::ReportFold {
        receipt: [device; 32],
        organisation_id: organisation_id.to_owned(),
        team_id: team_id.to_owned(),
        week: "2026-W10".parse().unwrap(),
        contributions: vec![crate::store::Contribution {
            key: "item:x".to_owned(),
            value: 3.0,
            bin: 2,
            n_bins: 5,
        }],
    }
}

/// Group commit on PostgreSQL: the reports of one team that arrive while
/// each replica's writer waits are folded in one transaction per replica,
/// and each is answered with its own outcome (every device sends its report
/// to both replicas at once: counted once, a duplicate once). A report the
/// database refuses (its team does not exist) fails alone; the reports
/// grouped with it are counted.
///
/// Mutations: a writer that folds one report per transaction makes about
/// 41 groups, not a handful; one that fails the whole group with its bad
/// report fails the good ones; without the team's fold lock the two
/// replicas' groups deadlock (in 17 runs of 40 here).
#[test]
#[ignore = "needs PostgreSQL; cargo xtask test runs it (POLSO_TEST_POSTGRES_URL)"]
fn reports_that_arrive_together_share_a_commit_and_a_refused_one_fails_alone() {
    let first = TestStore::open();
    let second = first.replica();
    let roster = roster(&first, 50);
    // Held, the publication lock keeps each writer's first fold waiting in
    // the database while the other reports queue behind it.
    let held = first.lock_publication(&roster.organisation_id, Duration::from_secs(5)).unwrap().unwrap();
    const DEVICES: u8 = 20;
    let senders = 2 * usize::from(DEVICES) + 1;
    let started = Barrier::new(senders + 1);
    let (outcomes, refused) = std::thread::scope(|scope| {
        let (started, roster, first, second) = (&started, &roster, &*first, &second);
        let sent: Vec<_> = (0..DEVICES)
            .flat_map(|device| [(device, first), (device, second)])
            .map(|(device, store)| {
                scope.spawn(move || {
                    started.wait();
                    (
                        device,
                        store.fold_report(&report_fold(&roster.organisation_id, &roster.team_id, device)),
                    )
                })
            })
            .collect();
        let refused = scope.spawn(move || {
            started.wait();
            first.fold_report(&report_fold(&roster.organisation_id, "no_such_team", 99))
        });
        started.wait();
        std::thread::sleep(Duration::from_millis(300));
        drop(held);
        let outcomes: Vec<_> = sent.into_iter().map(|sender| sender.join().unwrap()).collect();
        (outcomes, refused.join().unwrap())
    });
    assert!(refused.is_err(), "a report of no team: {refused:?}");
    for device in 0..DEVICES {
        let mut mine: Vec<FoldOutcome> = outcomes
            .iter()
            .filter(|(sender, _)| *sender == device)
            .map(|(_, outcome)| *outcome.as_ref().unwrap())
            .collect();
        mine.sort_by_key(|outcome| *outcome == FoldOutcome::AlreadyCounted);
        assert_eq!(mine, [FoldOutcome::Counted, FoldOutcome::AlreadyCounted], "device {device}");
    }
    let week: IsoWeek = "2026-W10".parse().unwrap();
    let aggregates = first.team_aggregates(&roster.organisation_id, Some("item:x"), week..=week).unwrap();
    assert_eq!(aggregates.len(), 1);
    assert_eq!(aggregates[0].n, u32::from(DEVICES));
    assert_eq!(aggregates[0].histogram, [0, 0, u32::from(DEVICES), 0, 0]);
    let groups = first.folds.groups() + second.folds.groups();
    assert!(groups <= 6, "{senders} reports queued together, {groups} groups");
}
