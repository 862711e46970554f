//! Two-server mode (issue 14) for the fault suite: a helper (`helper-serve`
//! of the same binary) on its own database, linked to an organisation by the
//! administrators' own commands (`helper-init`, `link-helper`,
//! `helper-pair`), and a device's weekly report sent as shares
//! (`POST /v1/shared-reports`) made with the helper key the server hands
//! out, as the app makes them.
//!
//! A test written once against [`Mode`] runs the same attack on one server
//! and on two: [`Servers`] is the organisation's server with, in two-server
//! mode, its helper beside it on the same clock, and [`send_report`] sends a
//! report the way the mode asks (the plain JSON of [`crate::reports`], or its
//! shares).

use std::net::TcpListener;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use polso_core::bank::ItemBank;
use polso_core::schedule::Schedule;
use polso_core::{Answer, IsoWeek, ItemId};
use polso_server::ServerStore;
use polso_test_support::server::ServerProcess;
use polso_vdaf::{HelperPublicKey, ReportContext, WeekLayout, shard, to_wire};
use serde_json::Value;

use crate::calendar;
use crate::server::{RunningServer, admin, get_json, post_json, server_binary};

/// How an organisation aggregates its reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The organisation's server alone: plain reports.
    OneServer,
    /// The organisation's server (the leader) and a helper: reports as shares.
    TwoServers,
}

/// The party named as the helper's holder in every test.
pub const HELPER_PARTY: &str = "RSU di prova";

/// A helper's database and the address it serves at, paired with one organisation.
#[derive(Debug, Clone)]
pub struct HelperSide {
    /// The helper's own database.
    pub database: PathBuf,
    /// `127.0.0.1:port`, the address the leader was given.
    pub listen: String,
}

impl HelperSide {
    /// A helper made in `directory` (`helper-init`), linked to `organisation_id`
    /// of the leader's `database` from `from` (`link-helper`) and paired
    /// (`helper-pair`): the helper pins the organisation's k, tree and
    /// ε as they stand now.
    pub fn link(
        database: &Path,
        directory: &Path,
        organisation_id: &str,
        from: IsoWeek,
    ) -> Result<HelperSide> {
        let helper_database = directory.join("helper.db");
        let public_key = admin(&helper_database, &["helper-init", "--party", HELPER_PARTY])?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let listen = format!("127.0.0.1:{port}");
        let pairing = directory.join("pairing.json");
        let pairing = pairing.to_str().context("a temporary path that is not UTF-8")?;
        admin(
            database,
            &[
                "link-helper",
                "--organisation",
                organisation_id,
                "--url",
                &format!("http://{listen}"),
                "--party",
                HELPER_PARTY,
                "--public-key",
                &public_key,
                "--from",
                &from.to_string(),
                "--out",
                pairing,
            ],
        )?;
        admin(&helper_database, &["helper-pair", "--pairing", pairing])?;
        Ok(HelperSide { database: helper_database, listen })
    }

    /// Starts `helper-serve`, its calendar from `now`; killed when dropped.
    pub fn start(&self, now: DateTime<Utc>) -> Result<ServerProcess> {
        let mut command = Command::new(server_binary());
        command.arg("--db").arg(&self.database);
        command.args(["helper-serve", "--listen", &self.listen, "--now", &calendar::rfc3339(now)]);
        ServerProcess::spawn(command, Arc::default()).context("starting the helper")
    }

    /// The helper's log of the releases it agreed to (`helper-log`).
    pub fn log(&self) -> Result<String> {
        admin(&self.database, &["helper-log"])
    }
}

/// The organisation's server and, in two-server mode, its helper on the same
/// clock; both killed together.
pub struct Servers {
    /// The organisation's server.
    pub leader: RunningServer,
    helper: Option<ServerProcess>,
}

impl Servers {
    /// The organisation's server on `database` from `now`, with `helper`'s process beside it when given.
    pub fn start(
        database: &Path,
        output: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
        helper: Option<&HelperSide>,
        now: DateTime<Utc>,
    ) -> Result<Servers> {
        let helper = helper.map(|helper| helper.start(now)).transpose()?;
        Ok(Servers { leader: RunningServer::start_at(database, output, now)?, helper })
    }

    /// Both killed and started again from `now` on the same databases.
    pub fn restart_at(self, now: DateTime<Utc>, helper: Option<&HelperSide>) -> Result<Servers> {
        drop(self.helper);
        let helper = helper.map(|helper| helper.start(now)).transpose()?;
        Ok(Servers { leader: self.leader.restart_at(now)?, helper })
    }

    /// Kills both.
    pub fn kill(self) {
        self.leader.kill();
        drop(self.helper);
    }
}

impl Deref for Servers {
    type Target = RunningServer;

    fn deref(&self) -> &RunningServer {
        &self.leader
    }
}

/// Sends `report` (the JSON of [`crate::reports::report`]) with the device
/// `token` as `mode` asks: in two-server mode as the shares the app would
/// make of it, for the device's team of `organisation_id` in the leader's
/// `database`. The status and the JSON answer.
pub fn send_report(
    mode: Mode,
    url: &str,
    database: &Path,
    organisation_id: &str,
    token: &str,
    report: &Value,
) -> Result<(u16, Value)> {
    match mode {
        Mode::OneServer => post_json(url, "/v1/reports", Some(token), report),
        Mode::TwoServers => {
            let shares = shares_of(url, database, organisation_id, token, report)?;
            post_json(url, "/v1/shared-reports", Some(token), &shares)
        }
    }
}

/// The shared report (as JSON) the app would send for the plain `report`.
pub fn shares_of(
    url: &str,
    database: &Path,
    organisation_id: &str,
    token: &str,
    report: &Value,
) -> Result<Value> {
    let (status, read) = get_json(url, "/v1/questionnaire", token)?;
    anyhow::ensure!(status == 200 && read["aggregation"]["mode"] == "two_server", "{status} {read}");
    let key =
        STANDARD.decode(read["aggregation"]["helper"]["public_key"].as_str().context("no helper key")?)?;
    let key = HelperPublicKey::from_bytes(&key).map_err(|error| anyhow!("{error}"))?;

    let connection = rusqlite::Connection::open(database)?;
    let team: String = connection.query_row(
        "SELECT team_id FROM devices WHERE token_hash = ?1",
        [polso_server::secrets::hash_secret(token).as_slice()],
        |row| row.get(0),
    )?;
    drop(connection);
    let organisation = polso_server::SqliteServerStore::open(database)?.organisation(organisation_id)?;

    let week: IsoWeek = report["week"].as_str().context("a report without a week")?.parse()?;
    let bank = ItemBank::embedded();
    let item_id = |id: &Value| -> Result<ItemId> {
        let id = id.as_str().context("an item id that is not text")?;
        Ok(bank.item(id).with_context(|| format!("no item {id}"))?.id.clone())
    };
    let answers: Vec<Answer> = report["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|answer| {
            let value = answer["value"].as_u64().context("a value that is not a number")?;
            Ok(Answer { item: item_id(&answer["item_id"])?, value: u8::try_from(value)? })
        })
        .collect::<Result<_>>()?;
    let not_applicable: Vec<ItemId> =
        report["not_applicable"].as_array().into_iter().flatten().map(item_id).collect::<Result<_>>()?;

    let schedule = Schedule::with_plan(bank, organisation.seed, &organisation.questionnaire);
    let layout = WeekLayout::new(bank, &schedule, week).map_err(|error| anyhow!("{error}"))?;
    let measurement = layout.measure(&answers, &not_applicable).map_err(|error| anyhow!("{error}"))?;
    let context = ReportContext { organisation: organisation_id.to_owned(), week, team };
    let upload = shard(&layout, &context, &measurement, &key).map_err(|error| anyhow!("{error}"))?;
    Ok(serde_json::to_value(to_wire(week, &upload))?)
}
