//! Issue 7, point 6: a bad-input table for every HTTP endpoint of the real
//! server binary and for the IPC commands that take input (through the
//! Tauri-free functions each command calls). Every row must get a clear
//! `{code, message}` error, change nothing (the server's tables and the
//! device's store are compared before and after) and leave the process up.
//!
//! The reports follow the calendar of issue 11: the device enrols with the
//! server's clock in week W and reports W with it in W + 1; a report for the
//! open week, for a week before the enrolment or for a published week is
//! refused with its own code, and a second report of a counted week is a
//! `duplicate` whatever its content.

use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, anyhow, ensure};
use chrono::{Days, Utc};
use polso_api::{
    AnswerDto, ApiError, ConnectHr, EnrolDevice, ErrorCode, QuietHoursDto, ReminderSettings, SubmitPulse,
    UpdateSettings, WeekdayDto, WorkWeekDto,
};
use polso_core::IsoWeek;
use polso_desktop::sync::UreqTransport;
use polso_desktop::testing::enrol;
use polso_faults::calendar;
use polso_faults::device::{Device, api, submission_for};
use polso_faults::reports::{asked_items, full_report};
use polso_faults::server::{RunningServer, admin, invite, organisation};

/// Every row of every table of the server's database, as text.
fn snapshot(database: &Path) -> Result<String> {
    polso_faults::server::database_dump(database, &[])
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).build().into()
}

/// Sends one request; the status and the body.
fn send(
    url: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<Vec<u8>>,
) -> Result<(u16, String)> {
    let agent = agent();
    let full = format!("{url}{path}");
    let mut response = match (method, body) {
        ("GET", _) => {
            let mut request = agent.get(&full);
            if let Some(token) = token {
                request = request.header("Authorization", format!("Bearer {token}"));
            }
            request.call()?
        }
        (method, body) => {
            let mut request = match method {
                "POST" => agent.post(&full),
                "PUT" => agent.put(&full),
                _ => agent.patch(&full),
            }
            .header("Content-Type", "application/json");
            if let Some(token) = token {
                request = request.header("Authorization", format!("Bearer {token}"));
            }
            request.send(body.unwrap_or_default())?
        }
    };
    Ok((response.status().as_u16(), response.body_mut().read_to_string()?))
}

fn code_text(code: ErrorCode) -> String {
    serde_json::to_value(code).ok().and_then(|value| value.as_str().map(str::to_owned)).unwrap_or_default()
}

#[test]
fn http_endpoints_refuse_bad_input_change_nothing_and_stay_up() -> Result<()> {
    let directory = tempfile::tempdir()?;
    let database = directory.path().join("server.db");
    let organisation = organisation(&database, "Input Srl", 1, 1)?;
    let team = organisation.teams[0].1.clone();
    let hr_token = admin(&database, &["create-hr-token"])?;
    let code = invite(&database, &team, 3)?;
    let expired = admin(&database, &["create-invite", "--team", &team, "--expires-in-days", "1"])?;
    // Time passes: the invite's expiry moves into the past.
    let expired_hash =
        polso_server::secrets::hash_secret(&polso_server::secrets::normalise_invite_code(&expired));
    let changed = rusqlite::Connection::open(&database)?.execute(
        "UPDATE invites SET expires_at = '2001-01-01T00:00:00+00:00' WHERE code_hash = ?1",
        [&expired_hash[..]],
    )?;
    ensure!(changed == 1, "the expired invite was not found by its hash");
    let exhausted = admin(&database, &["create-invite", "--team", &team, "--uses", "1"])?;
    let output = Arc::new(Mutex::new(Vec::new()));
    let week = calendar::week();

    // Week W on the server's clock: the devices enrol.
    let server = RunningServer::start_at(&database, output.clone(), calendar::enrolment_time(week))?;
    let url = server.url.clone();
    let enrol = |invite_code: &str| -> Result<(String, u64)> {
        let (status, body) = send(
            &url,
            "POST",
            "/v1/enrol",
            None,
            Some(format!(r#"{{"wire_version":1,"invite_code":"{invite_code}"}}"#).into_bytes()),
        )?;
        ensure!(status == 201, "{status} {body}");
        let response: polso_api::EnrolResponse = serde_json::from_str(&body)?;
        Ok((response.device_token, response.organisation_seed))
    };
    let (device, seed) = enrol(&code)?;
    enrol(&exhausted)?;
    server.kill();

    // Week W + 1: W collects its reports.
    let mut server = RunningServer::start_at(&database, output.clone(), calendar::reporting_time(week))?;
    let url = server.url.clone();
    let asked = asked_items(seed, week);
    let item = asked.first().context("the week asks no item")?.id.clone();
    let not_asked = polso_core::bank::ItemBank::embedded()
        .items()
        .iter()
        .map(|candidate| candidate.id.as_str().to_owned())
        .find(|candidate| asked.iter().all(|asked| asked.id != *candidate))
        .context("every item is asked")?;
    let good = full_report(seed, week, |item| item.min).to_string();
    let changed = full_report(seed, week, |item| item.max).to_string();
    let (status, body) = send(&url, "POST", "/v1/reports", Some(&device), Some(good.clone().into_bytes()))?;
    ensure!(status == 200 && body.contains("accepted"), "{status} {body}");

    let report = |json: String| Some(json.into_bytes());
    let oversized =
        Some(format!(r#"{{"wire_version":1,"week":"{week}","pad":"{}"}}"#, "x".repeat(200_000)).into_bytes());
    let aggregates = |query: &str| format!("/v1/aggregates?{query}");
    let long_token = format!("pd_{}", "a".repeat(10_000));
    type Row<'a> = (&'a str, &'a str, String, Option<&'a str>, Option<Vec<u8>>, u16, ErrorCode);
    let rows: Vec<Row<'_>> = vec![
        ("health, wrong method", "POST", "/v1/health".into(), None, None, 405, ErrorCode::MethodNotAllowed),
        ("unknown path", "GET", "/v2/reports".into(), None, None, 404, ErrorCode::NotFound),
        (
            "enrol, malformed JSON",
            "POST",
            "/v1/enrol".into(),
            None,
            report("{\"wire_version\":1,".into()),
            400,
            ErrorCode::InvalidInput,
        ),
        (
            "enrol, wrong type",
            "POST",
            "/v1/enrol".into(),
            None,
            report(r#"{"wire_version":1,"invite_code":42}"#.into()),
            400,
            ErrorCode::InvalidInput,
        ),
        (
            "enrol, another wire version",
            "POST",
            "/v1/enrol".into(),
            None,
            report(r#"{"wire_version":9,"invite_code":"x"}"#.into()),
            400,
            ErrorCode::UnsupportedVersion,
        ),
        (
            "enrol, unknown invite",
            "POST",
            "/v1/enrol".into(),
            None,
            report(r#"{"wire_version":1,"invite_code":"zzzz-zzzz-zzzz"}"#.into()),
            404,
            ErrorCode::InviteUnknown,
        ),
        (
            "enrol, oversized invite",
            "POST",
            "/v1/enrol".into(),
            None,
            report(format!(r#"{{"wire_version":1,"invite_code":"{}"}}"#, "7".repeat(5000))),
            404,
            ErrorCode::InviteUnknown,
        ),
        (
            "enrol, expired invite",
            "POST",
            "/v1/enrol".into(),
            None,
            report(format!(r#"{{"wire_version":1,"invite_code":"{expired}"}}"#)),
            410,
            ErrorCode::InviteExpired,
        ),
        (
            "enrol, replayed single-use invite",
            "POST",
            "/v1/enrol".into(),
            None,
            report(format!(r#"{{"wire_version":1,"invite_code":"{exhausted}"}}"#)),
            410,
            ErrorCode::InviteExhausted,
        ),
        (
            "enrol, oversized body",
            "POST",
            "/v1/enrol".into(),
            None,
            oversized.clone(),
            413,
            ErrorCode::PayloadTooLarge,
        ),
        (
            "report, no token",
            "POST",
            "/v1/reports".into(),
            None,
            report(good.clone()),
            401,
            ErrorCode::Unauthorized,
        ),
        (
            "report, unknown token",
            "POST",
            "/v1/reports".into(),
            Some("pd_unknown"),
            report(good.clone()),
            401,
            ErrorCode::Unauthorized,
        ),
        (
            "report, oversized token",
            "POST",
            "/v1/reports".into(),
            Some(&long_token),
            report(good.clone()),
            401,
            ErrorCode::Unauthorized,
        ),
        (
            "report, HR token",
            "POST",
            "/v1/reports".into(),
            Some(&hr_token),
            report(good.clone()),
            401,
            ErrorCode::Unauthorized,
        ),
        (
            "report, malformed JSON",
            "POST",
            "/v1/reports".into(),
            Some(&device),
            report("[[[".into()),
            400,
            ErrorCode::InvalidInput,
        ),
        (
            "report, wrong type",
            "POST",
            "/v1/reports".into(),
            Some(&device),
            report(format!(
                r#"{{"wire_version":1,"week":"{week}","items":[{{"item_id":"{item}","value":"3"}}],"metrics":[]}}"#
            )),
            400,
            ErrorCode::InvalidInput,
        ),
        (
            "report, value out of range",
            "POST",
            "/v1/reports".into(),
            Some(&device),
            report(format!(
                r#"{{"wire_version":1,"week":"{week}","items":[{{"item_id":"{item}","value":99}}],"metrics":[]}}"#
            )),
            400,
            ErrorCode::ValueOutOfScale,
        ),
        (
            "report, value beyond u8",
            "POST",
            "/v1/reports".into(),
            Some(&device),
            report(format!(
                r#"{{"wire_version":1,"week":"{week}","items":[{{"item_id":"{item}","value":70000}}],"metrics":[]}}"#
            )),
            400,
            ErrorCode::InvalidInput,
        ),
        (
            "report, score out of range",
            "POST",
            "/v1/reports".into(),
            Some(&device),
            report(format!(
                r#"{{"wire_version":1,"week":"{week}","items":[],"metrics":[{{"metric":"trust","score":1e300}}]}}"#
            )),
            400,
            ErrorCode::ValueOutOfScale,
        ),
        (
            "report, an item the week did not ask",
            "POST",
            "/v1/reports".into(),
            Some(&device),
            report(format!(
                r#"{{"wire_version":1,"week":"{week}","items":[{{"item_id":"{not_asked}","value":1}}],"metrics":[]}}"#
            )),
            400,
            ErrorCode::ItemNotInWeek,
        ),
        (
            "report, invalid week",
            "POST",
            "/v1/reports".into(),
            Some(&device),
            report(
                r#"{"wire_version":1,"week":"2026-W99","items":[{"item_id":"wb.1","value":3}],"metrics":[]}"#
                    .into(),
            ),
            400,
            ErrorCode::InvalidWeek,
        ),
        (
            "report, future week",
            "POST",
            "/v1/reports".into(),
            Some(&device),
            report(
                r#"{"wire_version":1,"week":"2099-W01","items":[{"item_id":"wb.1","value":3}],"metrics":[]}"#
                    .into(),
            ),
            400,
            ErrorCode::WeekNotOpen,
        ),
        (
            "report, the open week",
            "POST",
            "/v1/reports".into(),
            Some(&device),
            report(good.replace(&format!("\"{week}\""), &format!("\"{}\"", week.next()))),
            400,
            ErrorCode::WeekNotOpen,
        ),
        (
            "report, a week before the device enrolled",
            "POST",
            "/v1/reports".into(),
            Some(&device),
            report(good.replace(&format!("\"{week}\""), &format!("\"{}\"", week.previous()))),
            422,
            ErrorCode::WeekBeforeEnrolment,
        ),
        (
            "report, week too old",
            "POST",
            "/v1/reports".into(),
            Some(&device),
            report(
                r#"{"wire_version":1,"week":"2001-W01","items":[{"item_id":"wb.1","value":3}],"metrics":[]}"#
                    .into(),
            ),
            422,
            ErrorCode::WeekBeforeEnrolment,
        ),
        (
            "report, oversized body",
            "POST",
            "/v1/reports".into(),
            Some(&device),
            oversized.clone(),
            413,
            ErrorCode::PayloadTooLarge,
        ),
        (
            "aggregates, no token",
            "GET",
            aggregates(&format!("unit=team&key=wellbeing&from={week}&to={week}")),
            None,
            None,
            401,
            ErrorCode::Unauthorized,
        ),
        (
            "aggregates, device token",
            "GET",
            aggregates(&format!("unit=team&key=wellbeing&from={week}&to={week}")),
            Some(&device),
            None,
            401,
            ErrorCode::Unauthorized,
        ),
        (
            "aggregates, unknown key",
            "GET",
            aggregates(&format!("unit=team&key=salary&from={week}&to={week}")),
            Some(&hr_token),
            None,
            400,
            ErrorCode::UnknownItem,
        ),
        (
            "aggregates, wrong type",
            "GET",
            aggregates(&format!("unit=42&key=wellbeing&from={week}&to={week}")),
            Some(&hr_token),
            None,
            400,
            ErrorCode::InvalidInput,
        ),
        (
            "aggregates, missing parameter",
            "GET",
            aggregates("unit=team&key=wellbeing"),
            Some(&hr_token),
            None,
            400,
            ErrorCode::InvalidInput,
        ),
        (
            "aggregates, unknown parameter (a k override)",
            "GET",
            aggregates(&format!("unit=team&key=wellbeing&from={week}&to={week}&k=1")),
            Some(&hr_token),
            None,
            400,
            ErrorCode::InvalidInput,
        ),
        (
            "aggregates, reversed range",
            "GET",
            aggregates(&format!("unit=team&key=wellbeing&from={week}&to={}", week.plus_weeks(-3))),
            Some(&hr_token),
            None,
            400,
            ErrorCode::InvalidInput,
        ),
        (
            "aggregates, range too long",
            "GET",
            aggregates("unit=team&key=wellbeing&from=2000-W01&to=2026-W01"),
            Some(&hr_token),
            None,
            400,
            ErrorCode::InvalidInput,
        ),
        (
            "aggregates, invalid week",
            "GET",
            aggregates("unit=team&key=wellbeing&from=2026-W00&to=2026-W01"),
            Some(&hr_token),
            None,
            400,
            ErrorCode::InvalidWeek,
        ),
        (
            "aggregates, unknown unit",
            "GET",
            aggregates(&format!("unit=team&unit_id=tm_nope&key=wellbeing&from={week}&to={week}")),
            Some(&hr_token),
            None,
            404,
            ErrorCode::NotFound,
        ),
        (
            "CX import, device token",
            "POST",
            "/v1/cx".into(),
            Some(&device),
            Some(b"team,week,metric,value,n\n".to_vec()),
            401,
            ErrorCode::Unauthorized,
        ),
        (
            "CX import, not UTF-8",
            "POST",
            "/v1/cx".into(),
            Some(&hr_token),
            Some(vec![0xff, 0xfe, 0x00, 0x41]),
            400,
            ErrorCode::InvalidInput,
        ),
        (
            "CX import, unknown team",
            "POST",
            "/v1/cx".into(),
            Some(&hr_token),
            Some(format!("team,week,metric,value,n\nNobody,{week},NPS,10,40\n").into_bytes()),
            400,
            ErrorCode::InvalidInput,
        ),
        (
            "CX import, unknown parameter",
            "POST",
            "/v1/cx?dry=1".into(),
            Some(&hr_token),
            Some(b"x".to_vec()),
            400,
            ErrorCode::InvalidInput,
        ),
        (
            "CX read, wrong type",
            "GET",
            "/v1/cx?from=soon&to=later".into(),
            Some(&hr_token),
            None,
            400,
            ErrorCode::InvalidWeek,
        ),
        (
            "CX read, unknown metric",
            "GET",
            format!("/v1/cx?from={week}&to={week}&metric=%00"),
            Some(&hr_token),
            None,
            400,
            ErrorCode::InvalidInput,
        ),
    ];
    let n_rows = rows.len();
    for (what, method, path, token, body, status, code) in rows {
        let before = snapshot(&database)?;
        let (got_status, got_body) =
            send(&url, method, &path, token, body).with_context(|| what.to_owned())?;
        let error: ApiError = serde_json::from_str(&got_body)
            .with_context(|| format!("{what}: not {{code, message}}: {got_body}"))?;
        ensure!(got_status == status, "{what}: status {got_status}, expected {status}: {got_body}");
        ensure!(
            error.code == code,
            "{what}: {}, expected {}: {}",
            code_text(error.code),
            code_text(code),
            error.message
        );
        ensure!(!error.message.trim().is_empty(), "{what}: an empty message");
        ensure!(snapshot(&database)? == before, "{what}: the server's database changed");
        ensure!(server.is_running(), "{what}: the server is down");
        let (health, _) = send(&url, "GET", "/v1/health", None, None)?;
        ensure!(health == 200, "{what}: the server stopped answering");
    }
    // A replay, exact or changed, is acknowledged as a duplicate and counted
    // once: the server keeps nothing of a report's content to tell them apart.
    for (what, body) in [("an exact replay", good.clone()), ("a changed replay", changed)] {
        let before = snapshot(&database)?;
        let (status, answer) = send(&url, "POST", "/v1/reports", Some(&device), Some(body.into_bytes()))?;
        ensure!(status == 200 && answer.contains("\"duplicate\""), "{what}: {status} {answer}");
        ensure!(snapshot(&database)? == before, "{what} changed the database");
    }
    server.kill();

    // Past W's publication: a report of W is refused as published.
    let mut server = RunningServer::start_at(&database, output, calendar::after_publication(week))?;
    let (status, body) = send(
        &server.url,
        "GET",
        &format!("/v1/aggregates?unit=team&key={item}&from={week}&to={week}"),
        Some(&hr_token),
        None,
    )?;
    ensure!(status == 200 && body.contains(&format!("\"published_through\":\"{week}\"")), "{status} {body}");
    let before = snapshot(&database)?;
    let (status, body) = send(&server.url, "POST", "/v1/reports", Some(&device), Some(good.into_bytes()))?;
    let error: ApiError =
        serde_json::from_str(&body).with_context(|| format!("not {{code, message}}: {body}"))?;
    ensure!(status == 410 && error.code == ErrorCode::WeekPublished, "a late report: {status} {body}");
    ensure!(snapshot(&database)? == before, "a late report changed the database");
    ensure!(server.is_running(), "the server is down after a late report");
    eprintln!(
        "bad input (HTTP): {} bad requests refused with their code, nothing changed, server up",
        n_rows + 1
    );
    server.kill();
    Ok(())
}

#[test]
fn ipc_commands_refuse_bad_input_and_change_nothing() -> Result<()> {
    let directory = tempfile::tempdir()?;
    let database = directory.path().join("server.db");
    let organisation = organisation(&database, "Comandi Srl", 1, 1)?;
    let code = invite(&database, &organisation.teams[0].1, 3)?;
    let output = Arc::new(Mutex::new(Vec::new()));
    let server = RunningServer::start(&database, output)?;
    let transport = UreqTransport::new();

    let mut device = Device::new()?;
    let today = Utc::now().date_naive();
    let mut random = fastrand::Rng::with_seed(3);
    let good = submission_for(&device.desktop, today, &mut random, Some("a note"))?;
    device.desktop.submit_pulse(good.clone(), today, Utc::now()).map_err(api)?;
    let view = device.desktop.current_pulse(today).map_err(api)?;
    let state = |device: &Device| -> Result<String> {
        Ok(format!(
            "{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
            device.desktop.history().map_err(api)?,
            device.desktop.current_pulse(today).map_err(api)?,
            device.desktop.settings().map_err(api)?,
            device.desktop.sync_status().map_err(api)?,
            device.desktop.hr_connection().map_err(api)?
        ))
    };

    // Arguments that do not decode never reach a command: the end-to-end test
    // `ipc::arguments_that_do_not_decode_are_refused_by_name_and_change_nothing` sends them
    // through the real app's IPC bridge and checks that nothing changes. Here: the commands'
    // own refusals.
    let first_item = view.items[0].id.clone();
    let with = |change: &dyn Fn(&mut SubmitPulse)| {
        let mut submission = good.clone();
        change(&mut submission);
        submission
    };
    let past_day = today.checked_sub_days(Days::new(21)).context("date")?;
    let submissions: Vec<(&str, SubmitPulse, chrono::NaiveDate)> = vec![
        ("an unreadable week", with(&|s| s.week = "2026-48".into()), today),
        ("a future week", with(&|s| s.week = IsoWeek::containing(today).next().to_string()), today),
        ("a closed week", with(&|s| s.week = IsoWeek::containing(past_day).to_string()), today),
        ("an unknown item", with(&|s| s.answers[0].item_id = "no.such.item".into()), today),
        ("an item not asked this week", with(&|s| s.answers[0].item_id = "who5.5".into()), today),
        ("a value out of the scale", with(&|s| s.answers[0].value = 200), today),
        (
            "an item answered twice",
            with(&|s| s.answers.push(AnswerDto { item_id: first_item.clone(), value: 1 })),
            today,
        ),
        (
            "a work week of 14 days",
            with(&|s| s.work_week = Some(WorkWeekDto { office_days: 7, remote_days: 7 })),
            today,
        ),
        ("an oversized note", with(&|s| s.note = Some("x".repeat(view.note_max_chars as usize + 1))), today),
        ("a huge note", with(&|s| s.note = Some("é".repeat(1_000_000))), today),
    ];
    let mut refused = 0;
    for (what, submission, day) in submissions {
        let before = state(&device)?;
        let result = device.desktop.submit_pulse(submission, day, Utc::now());
        let error = match result {
            Ok(_)
                if what == "an item not asked this week"
                    && view.items.iter().any(|item| item.id == "who5.5") =>
            {
                continue;
            }
            Ok(_) => return Err(anyhow!("submit_pulse with {what} was accepted")),
            Err(error) => error,
        };
        ensure!(error.code != ErrorCode::Internal && !error.message.trim().is_empty(), "{what}: {error:?}");
        ensure!(state(&device)? == before, "submit_pulse with {what} changed the store");
        refused += 1;
    }

    let reminder = |time: &str, quiet: Option<(&str, &str)>| UpdateSettings {
        language: None,
        reminder: Some(ReminderSettings {
            enabled: true,
            weekday: WeekdayDto::Thu,
            time: time.to_owned(),
            quiet_hours: quiet
                .map(|(start, end)| QuietHoursDto { start: start.to_owned(), end: end.to_owned() }),
        }),
        autostart: None,
        welcome_seen: None,
    };
    for (what, change) in [
        ("a reminder at 25:00", reminder("25:00", None)),
        ("a reminder at an empty time", reminder("", None)),
        ("a reminder at 11:00 with quiet hours 'soon'", reminder("11:00", Some(("soon", "08:00")))),
        ("a reminder time of 10,000 characters", reminder(&"1".repeat(10_000), None)),
    ] {
        let before = state(&device)?;
        let error =
            device.desktop.update_settings(change).err().with_context(|| format!("{what} was accepted"))?;
        ensure!(error.code != ErrorCode::Internal && !error.message.trim().is_empty(), "{what}: {error:?}");
        ensure!(state(&device)? == before, "update_settings with {what} changed the store");
        refused += 1;
    }

    for (what, server_url, invite_code) in [
        ("an empty server address", String::new(), code.clone()),
        ("an ftp address", "ftp://127.0.0.1/".to_owned(), code.clone()),
        ("a server that is not there", "http://127.0.0.1:9".to_owned(), code.clone()),
        ("an empty invite", server.url.clone(), String::new()),
        ("an unknown invite", server.url.clone(), "zzzz-zzzz-zzzz".to_owned()),
        ("an oversized invite", server.url.clone(), "7".repeat(100_000)),
    ] {
        let before = state(&device)?;
        let form = EnrolDevice { server_url, invite_code };
        let error = enrol(&mut device.desktop, &transport, &form, today, Utc::now())
            .err()
            .with_context(|| format!("enrol with {what} was accepted"))?;
        ensure!(error.code != ErrorCode::Internal && !error.message.trim().is_empty(), "{what}: {error:?}");
        ensure!(state(&device)? == before, "enrol with {what} changed the store");
        ensure!(
            polso_store::SecretVault::get(&device.vault, polso_faults::device::TOKEN_ACCOUNT)?.is_none(),
            "enrol with {what} kept a token"
        );
        refused += 1;
    }

    // As HR, with a vault for the token: a refused token must leave it empty.
    let hr_vault = polso_store::SharedMemoryVault::default();
    let mut device = device.with_hr_vault(hr_vault.clone());
    for (what, hr_token) in [
        ("an empty HR token", String::new()),
        ("an HR token with spaces", "ph_a b".to_owned()),
        ("an unknown HR token", "ph_unknown".to_owned()),
        ("a device token as HR token", "pd_unknown".to_owned()),
    ] {
        let before = state(&device)?;
        let form = ConnectHr { server_url: server.url.clone(), hr_token };
        // The shell's hr_connect: the token verified at the server, then kept.
        let error = polso_desktop::hr::verify_hr_connection(&transport, &form, today)
            .and_then(|verified| device.desktop.keep_hr_connection(verified))
            .err()
            .with_context(|| format!("hr_connect with {what} was accepted"))?;
        ensure!(error.code != ErrorCode::Internal && !error.message.trim().is_empty(), "{what}: {error:?}");
        ensure!(state(&device)? == before, "hr_connect with {what} changed the store");
        ensure!(!device.desktop.hr_connection().map_err(api)?.connected, "hr_connect with {what} connected");
        ensure!(
            polso_store::SecretVault::get(&hr_vault, polso_faults::device::HR_TOKEN_ACCOUNT)?.is_none(),
            "hr_connect with {what} kept a token"
        );
        refused += 1;
    }
    // The same path with a real HR token connects and keeps it: the checks above can fail.
    let hr_token = admin(&database, &["create-hr-token"])?.trim().to_owned();
    let form = ConnectHr { server_url: server.url.clone(), hr_token };
    polso_desktop::hr::verify_hr_connection(&transport, &form, today)
        .and_then(|verified| device.desktop.keep_hr_connection(verified))
        .map_err(api)?;
    ensure!(device.desktop.hr_connection().map_err(api)?.connected, "a real HR token did not connect");
    ensure!(polso_store::SecretVault::get(&hr_vault, polso_faults::device::HR_TOKEN_ACCOUNT)?.is_some());
    eprintln!("bad input (IPC): {refused} bad command inputs refused, nothing changed");
    server.kill();
    Ok(())
}
