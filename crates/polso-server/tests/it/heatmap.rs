//! `GET /v1/heatmap` (issue 17): the heatmap HR draws, shaped by the server.
//! It must be exactly what the app would shape from the cells
//! `GET /v1/aggregates` serves the same token (so it releases nothing those
//! do not), keep a team below k withheld, give one unit the same figures in
//! every page it appears in (two scopes cannot be subtracted), answer a
//! department outside the token's reach as one that does not exist, and let
//! no parameter touch the protections.
//!
//! Checked by mutation (2026-12-06): with `build_heatmap` serving every team
//! for a department it does not find, or with `ReleasedRead::table` keeping
//! units outside the token's scope,
//! `a_department_out_of_reach_is_answered_as_one_that_does_not_exist` fails;
//! with the organisation's head-count summed over the asked department only,
//! `a_department_page_gives_each_unit_the_figures_of_the_whole_heatmap`
//! failed (the first version did that).

use std::collections::HashMap;
use std::ops::RangeInclusive;

use axum::http::StatusCode;
use chrono::{Duration, TimeZone, Utc};
use polso_api::{AggregateTable, ApiError, HrHeatmap, MetricKey, OrganisationUnits, PrivacyLedger, UnitKind};
use polso_core::bank::ItemBank;
use polso_core::questionnaire::QuestionnairePlan;
use polso_core::schedule::Schedule;
use polso_core::{Answer, IsoWeek};
use polso_hr::heatmap::{KnownNoise, ReleasedCells, build_heatmap};
use polso_hr::pool::{HeatmapPeriods, PooledSeries};
use polso_server::admin;
use serde_json::Value;

use crate::support::{WEEK, World, assert_error, get, report, report_of_answers};

/// Department 0 holds teams 0.0 (six devices) and 0.1 (three: below k);
/// department 1 holds team 1.0 (five). Each reports [`WEEK`], then the week
/// is published.
async fn published_world() -> World {
    let world = World::new(&[2, 1]);
    for (team, count) in [(&world.teams[0][0], 6u8), (&world.teams[0][1], 3), (&world.teams[1][0], 5)] {
        for device in 0..count {
            let token = world.enrol(team).await;
            world.report_ok(&token, report(WEEK, 1 + device % 5)).await;
        }
    }
    world.advance_to_publication();
    world
}

async fn heatmap(world: &World, token: &str, query: &str) -> (StatusCode, Value) {
    world.send(get(&format!("/v1/heatmap?{query}"), Some(token))).await
}

async fn heatmap_ok(world: &World, token: &str, query: &str) -> HrHeatmap {
    let (status, body) = heatmap(world, token, query).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body).unwrap()
}

/// The tables a heatmap of `period_weeks`-week periods ending with `last`
/// reads, each fetched through `GET /v1/aggregates` with `token` beforehand.
struct ServedTables {
    tables: HashMap<(UnitKind, MetricKey, String), AggregateTable>,
    units: OrganisationUnits,
    noise: KnownNoise,
}

impl ServedTables {
    async fn fetch(world: &World, token: &str, last: IsoWeek, period_weeks: i64) -> ServedTables {
        let mut tables = HashMap::new();
        for level in [UnitKind::Team, UnitKind::Department, UnitKind::Organisation] {
            for metric in MetricKey::ALL {
                for weeks in [last..=last, last.plus_weeks(1 - 2 * period_weeks)..=last] {
                    let unit = match level {
                        UnitKind::Team => "team",
                        UnitKind::Department => "department",
                        UnitKind::Organisation => "organisation",
                    };
                    let query = format!(
                        "/v1/aggregates?unit={unit}&key={}&from={}&to={}",
                        metric.key(),
                        weeks.start(),
                        weeks.end()
                    );
                    let (status, body) = world.send(get(&query, Some(token))).await;
                    if status == StatusCode::OK {
                        tables.insert(
                            (level, metric, range_text(&weeks)),
                            serde_json::from_value(body).unwrap(),
                        );
                    }
                }
            }
        }
        let (_, units) = world.send(get("/v1/units", Some(token))).await;
        let (_, ledger) = world.send(get("/v1/privacy-ledger", Some(token))).await;
        let ledger: PrivacyLedger = serde_json::from_value(ledger).unwrap();
        let noise = match ledger.epsilon_per_cell {
            Some(epsilon_per_cell) if ledger.dp_on => KnownNoise::Known { epsilon_per_cell },
            _ => KnownNoise::Off,
        };
        ServedTables { tables, units: serde_json::from_value(units).unwrap(), noise }
    }
}

/// `served == shaped`, naming the first unit, metric and figure that differ.
fn assert_same_heatmap(served: &HrHeatmap, shaped: &HrHeatmap) {
    let rows = |heatmap: &HrHeatmap| -> Vec<polso_api::HeatmapCell> {
        let mut cells = heatmap.cells.clone();
        for row in heatmap.departments.iter().chain(&heatmap.organisation) {
            cells.extend(row.cells.iter().cloned());
        }
        cells
    };
    for (served_cell, shaped_cell) in rows(served).iter().zip(rows(shaped).iter()) {
        assert_eq!(served_cell, shaped_cell, "the first cell that differs");
    }
    assert_eq!(served, shaped);
}

fn range_text(weeks: &RangeInclusive<IsoWeek>) -> String {
    format!("{}..{}", weeks.start(), weeks.end())
}

impl ReleasedCells for ServedTables {
    fn series(
        &mut self,
        level: UnitKind,
        metric: MetricKey,
        weeks: RangeInclusive<IsoWeek>,
        periods: &HeatmapPeriods,
    ) -> Result<Option<PooledSeries>, ApiError> {
        Ok(Some(PooledSeries::of_table(&self.tables[&(level, metric, range_text(&weeks))], periods)))
    }

    fn units(&mut self) -> Option<OrganisationUnits> {
        Some(self.units.clone())
    }

    fn noise(&mut self) -> KnownNoise {
        self.noise
    }
}

#[tokio::test]
async fn the_heatmap_is_what_the_app_would_shape_from_the_served_cells() {
    let world = published_world().await;
    let served = heatmap_ok(&world, &world.hr_token, &format!("period_weeks=1&to={WEEK}")).await;
    let mut tables = ServedTables::fetch(&world, &world.hr_token, WEEK.parse().unwrap(), 1).await;
    let shaped = build_heatmap(&mut tables, 1, None, WEEK.parse().unwrap()).unwrap();
    assert_eq!(served, shaped);
    assert_eq!(served.current.from, WEEK);
    // The three teams, every metric each: team 1.0's trust is released; team
    // 0.1's is withheld (below k), and so is team 0.0's (its department less
    // it would be team 0.1).
    assert_eq!(served.teams.len(), 3);
    assert_eq!(served.cells.len(), 3 * served.metrics.len());
    let cell = |team: &str, metric: MetricKey| {
        served.cells.iter().find(|cell| cell.team_id == team && cell.metric == metric).unwrap().clone()
    };
    let released = cell(&world.teams[1][0], MetricKey::Trust);
    assert!(cell(&world.teams[0][0], MetricKey::Trust).suppressed);
    assert!(!released.suppressed && released.mean.is_some() && released.n.is_some(), "{released:?}");
    for metric in &served.metrics {
        let small = cell(&world.teams[0][1], *metric);
        assert!(small.mean.is_none() && small.n.is_none() && small.enps.is_none(), "{small:?}");
        assert!(!small.asked || small.suppressed, "{small:?}");
    }
    let small_team = served.teams.iter().find(|team| team.id == world.teams[0][1]).unwrap();
    assert_eq!(small_team.answered, None, "no count of a team below k");
    assert_eq!(served.departments.len(), 2);
    assert!(served.organisation.is_some());
}

/// Eight weeks of varied answers (every item, every device its own value)
/// from teams of twelve and three (so the twelve are withheld beside them),
/// ten and eleven people, on the questionnaire whose drivers ask their items
/// in turn: the heatmap of two four-week periods,
/// with their changes, intervals, eNPS, burnout shares and standardised
/// drivers, is exactly what the app shapes from the served cells. The server
/// builds it from its stored rows without the cells the app reads, so this
/// pins the two paths to one result.
#[tokio::test]
async fn a_heatmap_of_long_periods_is_what_the_app_would_shape_from_the_served_cells() {
    let bank = ItemBank::embedded();
    let plan = QuestionnairePlan::for_new_organisation();
    let seed = 11;
    let schedule = Schedule::with_plan(bank, seed, &plan);
    let last: IsoWeek = WEEK.parse().unwrap();
    let weeks: Vec<IsoWeek> = (0..8).rev().map(|back| last.plus_weeks(-back)).collect();
    let world = World::with_questionnaire(&[2, 2], seed, plan);
    let start = Utc.from_utc_datetime(&weeks[0].monday().and_hms_opt(9, 0, 0).unwrap());
    let mut devices = Vec::new();
    let sizes = [
        (&world.teams[0][0], 12usize),
        (&world.teams[0][1], 3),
        (&world.teams[1][0], 10),
        (&world.teams[1][1], 11),
    ];
    for (team, count) in sizes {
        for _ in 0..count {
            devices.push(world.enrol_at(team, start).await);
        }
    }
    for (week_number, week) in weeks.iter().enumerate() {
        world
            .clock
            .set(Utc.from_utc_datetime(&week.sunday().and_hms_opt(12, 0, 0).unwrap()) + Duration::days(1));
        for (device_number, device) in devices.iter().enumerate() {
            let answers: Vec<Answer> = schedule
                .items_for_week(*week)
                .iter()
                .enumerate()
                .map(|(item_number, id)| {
                    let scale = bank.scale_of(bank.item(id.as_str()).unwrap());
                    let spread = usize::from(scale.max - scale.min) + 1;
                    let step = (device_number * 3 + week_number * 5 + item_number * 7) % spread;
                    Answer { item: id.clone(), value: scale.min + u8::try_from(step).unwrap() }
                })
                .collect();
            let report = report_of_answers(&week.to_string(), &answers);
            world.report_ok(device, report).await;
        }
    }
    world
        .clock
        .set(Utc.from_utc_datetime(&last.sunday().and_hms_opt(12, 0, 0).unwrap()) + Duration::days(30));
    let served = heatmap_ok(&world, &world.hr_token, &format!("period_weeks=4&to={WEEK}")).await;
    let mut tables = ServedTables::fetch(&world, &world.hr_token, last, 4).await;
    let shaped = build_heatmap(&mut tables, 4, None, last).unwrap();
    assert_same_heatmap(&served, &shaped);
    // The comparison covers what the fast path computes: teams' changes with
    // intervals, a standardised driver, eNPS and a burnout share.
    let team_changes = served.cells.iter().filter(|cell| cell.change_low.is_some()).count();
    assert!(team_changes >= 10, "{team_changes} team changes with an interval");
    let every_cell: Vec<_> = served
        .cells
        .iter()
        .chain(served.departments.iter().chain(&served.organisation).flat_map(|row| &row.cells))
        .collect();
    assert!(every_cell.iter().any(|cell| cell.enps.or(cell.previous_enps).is_some()), "no eNPS");
    assert!(every_cell.iter().any(|cell| cell.burnout_share.is_some()), "no burnout share");
    let standardised = tables
        .tables
        .values()
        .flat_map(|table| &table.cells)
        .any(|cell| cell.standardised_mean.is_some() && cell.item_id.is_some());
    assert!(standardised, "no driver's week on its anchor's level");
    // The team of three, and the twelve beside it, stay withheld in every column.
    for cell in served.cells.iter().filter(|cell| world.teams[0].contains(&cell.team_id)) {
        assert!(cell.mean.is_none() && cell.n.is_none(), "{cell:?}");
    }
}

/// A department's page holds its teams, its own row and the organisation's;
/// each unit's figures are those of the whole heatmap, so two pages (or a page
/// and the whole) have nothing to subtract.
#[tokio::test]
async fn a_department_page_gives_each_unit_the_figures_of_the_whole_heatmap() {
    let world = published_world().await;
    let whole = heatmap_ok(&world, &world.hr_token, &format!("period_weeks=1&to={WEEK}")).await;
    for (index, department) in world.departments.iter().enumerate() {
        let page =
            heatmap_ok(&world, &world.hr_token, &format!("period_weeks=1&to={WEEK}&department={department}"))
                .await;
        let team_ids: Vec<&str> = page.teams.iter().map(|team| team.id.as_str()).collect();
        let mut expected: Vec<&str> = world.teams[index].iter().map(String::as_str).collect();
        expected.sort_unstable();
        let mut sorted = team_ids.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, expected);
        for team in &page.teams {
            assert_eq!(Some(team), whole.teams.iter().find(|whole_team| whole_team.id == team.id));
        }
        for cell in &page.cells {
            assert!(whole.cells.contains(cell), "{cell:?}");
        }
        assert_eq!(page.departments.len(), 1);
        assert_eq!(Some(&page.departments[0]), whole.departments.iter().find(|row| row.id == *department));
        assert_eq!(page.organisation, whole.organisation);
    }
}

#[tokio::test]
async fn a_department_out_of_reach_is_answered_as_one_that_does_not_exist() {
    let world = published_world().await;
    let manager = admin::create_manager_token(
        world.store.as_ref(),
        &world.organisation_id,
        &[world.teams[0][0].clone()],
    )
    .unwrap()
    .token;
    let other_department = &world.departments[1];
    let absent = format!("dep_{}", "0".repeat(other_department.len().saturating_sub(4)));
    let out_of_reach =
        heatmap(&world, &manager, &format!("period_weeks=1&department={other_department}")).await;
    let missing = heatmap(&world, &manager, &format!("period_weeks=1&department={absent}")).await;
    assert_error(&out_of_reach, StatusCode::NOT_FOUND, "not_found");
    assert_error(&missing, StatusCode::NOT_FOUND, "not_found");
    assert_eq!(
        out_of_reach.1["message"].as_str().unwrap().replace(other_department.as_str(), "ID"),
        missing.1["message"].as_str().unwrap().replace(absent.as_str(), "ID"),
    );
    // The manager's own heatmap: their team alone, and the same figures HR reads for it.
    let mine = heatmap_ok(&world, &manager, &format!("period_weeks=1&to={WEEK}")).await;
    let hr = heatmap_ok(&world, &world.hr_token, &format!("period_weeks=1&to={WEEK}")).await;
    assert_eq!(
        mine.teams.iter().map(|team| team.id.as_str()).collect::<Vec<_>>(),
        [world.teams[0][0].as_str()]
    );
    for cell in &mine.cells {
        assert!(hr.cells.contains(cell), "{cell:?}");
    }
}

#[tokio::test]
async fn bad_heatmap_queries_are_refused_naming_what_is_wrong() {
    let world = published_world().await;
    for (query, status, code) in [
        ("period_weeks=0", StatusCode::BAD_REQUEST, "invalid_input"),
        ("period_weeks=27", StatusCode::BAD_REQUEST, "invalid_input"),
        ("period_weeks=four", StatusCode::BAD_REQUEST, "invalid_input"),
        ("period_weeks=4&k=1", StatusCode::BAD_REQUEST, "invalid_input"),
        ("period_weeks=4&epsilon=100", StatusCode::BAD_REQUEST, "invalid_input"),
        ("period_weeks=4&to=2026-W60", StatusCode::BAD_REQUEST, "invalid_week"),
        ("", StatusCode::BAD_REQUEST, "invalid_input"),
    ] {
        let response = heatmap(&world, &world.hr_token, query).await;
        assert_error(&response, status, code);
    }
    let period = heatmap(&world, &world.hr_token, "period_weeks=27").await;
    assert!(period.1["message"].as_str().unwrap().contains("period_weeks"), "{}", period.1);
    let (status, _) = world.send(get("/v1/heatmap?period_weeks=4", None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
