//! Benchmark 7, two-server aggregation: the same reports of one week
//! ingested and published by one server (validate and fold into sums) and by
//! two (the app shards and seals, the leader keeps the shares, leader and
//! helper verify every report together and sum their halves, and publish by
//! opening counts and combining noised shares), each on its own SQLite
//! files with the server's pragmas. In process, through the library
//! functions the HTTP handlers call (`validate_report` and `fold_report`;
//! `accept_shared_report`, `verify_pending` with the helper's verify, and the
//! publisher), so what is timed is the protocol and its storage, not HTTP.
//! Also the size of one upload, raw and as sent (JSON with base64), beside
//! the plain report's padded body.

use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, anyhow};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{Duration, Utc};
use polso_api::{ReportedValue, WIRE_VERSION, WeeklyReport};
use polso_bench::SplitMix64;
use polso_core::IsoWeek;
use polso_core::bank::ItemBank;
use polso_core::schedule::Schedule;
use polso_server::helper::Helper;
use polso_server::helper_store::HelperStore;
use polso_server::leader::{LocalHelperApi, accept_shared_report, verify_pending};
use polso_server::publish::Publisher;
use polso_server::report::validate_report;
use polso_server::store::{OrganisationTree, ServerStore};
use polso_server::{FixedClock, ServerConfig, SqliteServerStore, admin};
use polso_vdaf::{ReportContext, WeekLayout, shard};
use serde_json::{Value, json};

/// Devices per team.
const TEAM_SIZE: usize = 20;

/// One organisation with `teams` teams of [`TEAM_SIZE`] in one database.
fn organisation(path: &std::path::Path, teams: usize) -> Result<(SqliteServerStore, OrganisationTree)> {
    let _ = std::fs::remove_file(path);
    let store = SqliteServerStore::open(path)?;
    let organisation = admin::init_organisation(&store, "Bench")?;
    for department in 0..teams.div_ceil(10) {
        let department_id =
            admin::add_department(&store, &organisation.id, &format!("Department {department}"))?;
        for team in 0..10.min(teams - department * 10) {
            admin::add_team_with_headcount(
                &store,
                &department_id,
                &format!("Team {department}.{team}"),
                TEAM_SIZE as u32,
            )?;
        }
    }
    let tree = store.organisation_tree(&organisation.id)?;
    Ok((store, tree))
}

fn team_ids(tree: &OrganisationTree) -> Vec<String> {
    tree.departments
        .iter()
        .flat_map(|department| department.teams.iter().map(|team| team.id.clone()))
        .collect()
}

/// Every device's report of `week`: each asked item answered at random.
fn reports(tree: &OrganisationTree, week: IsoWeek, devices: usize) -> Vec<WeeklyReport> {
    let bank = ItemBank::embedded();
    let organisation = &tree.organisation;
    let schedule = Schedule::with_plan(bank, organisation.seed, &organisation.questionnaire);
    let mut random = SplitMix64::new(7);
    (0..devices)
        .map(|_| WeeklyReport {
            wire_version: WIRE_VERSION,
            week: week.to_string(),
            items: schedule
                .items_for_week(week)
                .iter()
                .map(|id| {
                    let scale = bank.scale_of(bank.item(id.as_str()).expect("an asked item is in the bank"));
                    let points = u64::from(scale.max - scale.min) + 1;
                    ReportedValue {
                        item_id: id.to_string(),
                        value: scale.min + (random.next_u64() % points) as u8,
                    }
                })
                .collect(),
            metrics: Vec::new(),
            not_applicable: Vec::new(),
            padding: String::new(),
        })
        .collect()
}

/// Runs both on `devices` reports of last week; returns the figures as JSON.
pub fn run(devices: usize, work_dir: &std::path::Path) -> Result<Value> {
    let week = IsoWeek::containing(Utc::now().date_naive()).previous();
    let teams = devices.div_ceil(TEAM_SIZE);
    let settings = ServerConfig::default().publication();
    let publish_at = settings.window.publication_at(week) + Duration::hours(1);
    let token = |device: usize| format!("pd_bench{device:09}");

    // One server.
    let (plain_store, plain_tree) = organisation(&work_dir.join("two-server-plain.db"), teams)?;
    let plain_teams = team_ids(&plain_tree);
    let plain_reports = reports(&plain_tree, week, devices);
    let bank = ItemBank::embedded();
    let schedule =
        Schedule::with_plan(bank, plain_tree.organisation.seed, &plain_tree.organisation.questionnaire);
    let secret = plain_store.receipt_secret()?;
    let started = Instant::now();
    for (device, report) in plain_reports.iter().enumerate() {
        let validated = validate_report(report, bank, &schedule)?;
        let fold = validated.into_fold(
            &secret,
            &token(device),
            plain_tree.organisation.id.clone(),
            plain_teams[device / TEAM_SIZE].clone(),
        );
        plain_store.fold_report(&fold)?;
    }
    let plain_ingest = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let published = Publisher::default().publish_due_weeks(
        &plain_store,
        &plain_tree.organisation.id,
        settings,
        publish_at,
    )?;
    let plain_publish = started.elapsed().as_secs_f64();
    anyhow::ensure!(published == vec![week], "one server published {published:?}");

    // Two servers.
    let (leader, tree) = organisation(&work_dir.join("two-server-leader.db"), teams)?;
    let teams_of_leader = team_ids(&tree);
    let helper_path = work_dir.join("two-server-helper.db");
    let _ = std::fs::remove_file(&helper_path);
    let helper_store = HelperStore::open(&helper_path)?;
    let keys = helper_store.init("Bench helper")?;
    let link = admin::HelperToLink {
        url: "http://helper.invalid".to_owned(),
        party: "Bench helper".to_owned(),
        public_key: STANDARD.encode(keys.public().as_bytes()),
        from_week: week,
    };
    let pairing = admin::link_helper(&leader, &tree.organisation.id, &link, settings)?;
    helper_store.pair(&pairing, publish_at)?;
    let helper =
        LocalHelperApi::new(Arc::new(Helper::new(helper_store, Arc::new(FixedClock::new(publish_at)))));
    let schedule = Schedule::with_plan(bank, tree.organisation.seed, &tree.organisation.questionnaire);
    let layout = WeekLayout::new(bank, &schedule, week).map_err(|error| anyhow!("{error}"))?;
    let secret = leader.receipt_secret()?;
    let two_reports = reports(&tree, week, devices);
    let mut shard_seconds = 0.0;
    let mut accept_seconds = 0.0;
    let mut upload_raw = 0;
    let mut upload_json = 0;
    for (device, report) in two_reports.iter().enumerate() {
        let team = teams_of_leader[device / TEAM_SIZE].clone();
        let started = Instant::now();
        let (answers, marked) =
            polso_api::report_answers::report_answers(bank, report).map_err(|error| anyhow!(error))?;
        let measurement = layout.measure(&answers, &marked).map_err(|error| anyhow!("{error}"))?;
        let context = ReportContext { organisation: tree.organisation.id.clone(), week, team: team.clone() };
        let upload =
            shard(&layout, &context, &measurement, keys.public()).map_err(|error| anyhow!("{error}"))?;
        let body = polso_vdaf::to_wire(week, &upload);
        shard_seconds += started.elapsed().as_secs_f64();
        upload_raw = upload.size();
        upload_json = serde_json::to_string(&body)?.len();
        let started = Instant::now();
        accept_shared_report(&leader, &secret, &token(device), &tree, &team, &body)?;
        accept_seconds += started.elapsed().as_secs_f64();
    }
    let started = Instant::now();
    let round = verify_pending(&leader, &helper, &tree)?;
    let verify_seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(round.verified == devices && round.rejected == 0, "verified {round:?} of {devices}");
    let started = Instant::now();
    let published = Publisher::with_helper(Arc::new(helper))
        .publish_due_weeks(&leader, &tree.organisation.id, settings, publish_at)
        .context("publishing with the helper")?;
    let two_publish = started.elapsed().as_secs_f64();
    anyhow::ensure!(published == vec![week], "two servers published {published:?}");

    let plain_body = polso_desktop::sync::padded_report_body(&plain_reports[0])?.len();
    let two_ingest = accept_seconds + verify_seconds;
    Ok(json!({
        "reports": devices,
        "teams": teams,
        "cells": layout.cells().len(),
        "one_server": {
            "ingest_s": plain_ingest,
            "reports_per_s": devices as f64 / plain_ingest,
            "publish_ms": plain_publish * 1000.0,
        },
        "two_servers": {
            "shard_ms_per_report": shard_seconds * 1000.0 / devices as f64,
            "accept_s": accept_seconds,
            "verify_s": verify_seconds,
            "ingest_s": two_ingest,
            "reports_per_s": devices as f64 / two_ingest,
            "publish_ms": two_publish * 1000.0,
        },
        "upload_bytes": upload_raw,
        "upload_json_bytes": upload_json,
        "plain_report_bytes": plain_body,
    }))
}
