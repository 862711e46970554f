//! What [`build_heatmap`] reads, and how it pages by department. The figures
//! themselves are tested through the app (`polso-desktop`'s `hr/tests.rs`)
//! and against the real server (`polso-server`'s `tests/it/heatmap.rs`).

use polso_api::{AggregateCell, DepartmentUnits, HrRole, UnitRef};

use crate::pool::{HeatmapPeriods, PooledSeries};

use super::*;

fn week(text: &str) -> IsoWeek {
    text.parse().unwrap()
}

/// A released cell of `unit` in `week`: n 8, mean 60, sd 10.
fn cell(unit_kind: UnitKind, unit: &str, week: IsoWeek, metric: MetricKey) -> AggregateCell {
    AggregateCell {
        unit_kind,
        unit_id: unit.to_owned(),
        unit_name: unit.to_uppercase(),
        week: week.to_string(),
        key: metric.key().to_owned(),
        released: true,
        asked: true,
        n: Some(8),
        mean: Some(60.0),
        sd: Some(10.0),
        histogram: None,
        item_id: None,
        standardised_mean: None,
        enps: None,
        burnout_share: None,
    }
}

/// Two departments, `d1` (teams `t1`, `t2`) and `d2` (team `t3`), every
/// week through 2026-W47 published; records what is read.
struct Recording {
    reads: Vec<(UnitKind, MetricKey, String)>,
}

impl ReleasedCells for Recording {
    fn series(
        &mut self,
        level: UnitKind,
        metric: MetricKey,
        weeks: RangeInclusive<IsoWeek>,
        periods: &HeatmapPeriods,
    ) -> Result<Option<PooledSeries>, ApiError> {
        self.reads.push((level, metric, format!("{}..{}", weeks.start(), weeks.end())));
        let units: &[&str] = match level {
            UnitKind::Team => &["t1", "t2", "t3"],
            UnitKind::Department => &["d1", "d2"],
            UnitKind::Organisation => &["o"],
        };
        let mut cells = Vec::new();
        let mut at = *weeks.start();
        while at <= *weeks.end() && at <= week("2026-W47") {
            cells.extend(units.iter().map(|unit| cell(level, unit, at, metric)));
            at = at.next();
        }
        let table = AggregateTable {
            k: 5,
            published_through: Some("2026-W47".to_owned()),
            next_publication: None,
            cells,
        };
        Ok(Some(PooledSeries::of_table(&table, periods)))
    }

    fn units(&mut self) -> Option<OrganisationUnits> {
        let team = |id: &str| UnitRef { id: id.to_owned(), name: id.to_uppercase(), headcount: Some(10) };
        Some(OrganisationUnits {
            role: HrRole::Hr,
            organisation: Some(UnitRef { id: "o".to_owned(), name: "O".to_owned(), headcount: None }),
            departments: vec![
                DepartmentUnits {
                    id: "d1".to_owned(),
                    name: "D1".to_owned(),
                    teams: vec![team("t1"), team("t2")],
                },
                DepartmentUnits { id: "d2".to_owned(), name: "D2".to_owned(), teams: vec![team("t3")] },
            ],
            questionnaire: Vec::new(),
        })
    }

    fn noise(&mut self) -> KnownNoise {
        KnownNoise::Off
    }
}

#[test]
fn one_probe_then_each_metric_per_level_over_both_periods() {
    let mut source = Recording { reads: Vec::new() };
    let heatmap = build_heatmap(&mut source, 4, None, week("2026-W48")).unwrap();
    assert_eq!((heatmap.current.from.as_str(), heatmap.current.to.as_str()), ("2026-W44", "2026-W47"));
    assert_eq!((heatmap.previous.from.as_str(), heatmap.previous.to.as_str()), ("2026-W40", "2026-W43"));
    let metrics = MetricKey::ALL.len();
    assert_eq!(source.reads.len(), 1 + 3 * metrics);
    assert_eq!(source.reads[0], (UnitKind::Team, MetricKey::Wellbeing, "2026-W48..2026-W48".to_owned()));
    assert!(source.reads[1..].iter().all(|(_, _, weeks)| weeks == "2026-W40..2026-W47"));
    for level in [UnitKind::Team, UnitKind::Department, UnitKind::Organisation] {
        assert_eq!(source.reads.iter().skip(1).filter(|(read, ..)| *read == level).count(), metrics);
    }
    assert_eq!(heatmap.teams.len(), 3);
    assert_eq!(heatmap.cells.len(), 3 * metrics);
    assert_eq!(heatmap.departments.len(), 2);
    let team = &heatmap.teams[0];
    assert_eq!((team.answered, team.headcount, team.participation), (Some(8.0), Some(10), Some(0.8)));
    assert_eq!(heatmap.cells[0].mean, Some(60.0));
    assert_eq!(heatmap.cells[0].n, Some(32));
}

#[test]
fn a_department_page_holds_its_teams_its_row_and_the_organisations() {
    let mut source = Recording { reads: Vec::new() };
    let whole = build_heatmap(&mut source, 2, None, week("2026-W47")).unwrap();
    let page = build_heatmap(&mut source, 2, Some("d1"), week("2026-W47")).unwrap();
    let ids: Vec<&str> = page.teams.iter().map(|team| team.id.as_str()).collect();
    assert_eq!(ids, ["t1", "t2"]);
    assert!(page.cells.iter().all(|cell| cell.team_id != "t3"));
    assert_eq!(page.departments.iter().map(|row| row.id.as_str()).collect::<Vec<_>>(), ["d1"]);
    assert_eq!(page.departments[0], whole.departments[0]);
    // The organisation's row and head-count are the whole organisation's on every page.
    assert_eq!(page.organisation, whole.organisation);
    assert_eq!(page.organisation.as_ref().unwrap().headcount, Some(30));

    let error = build_heatmap(&mut source, 2, Some("d9"), week("2026-W47")).unwrap_err();
    assert_eq!(error.code, ErrorCode::NotFound);
    assert!(error.message.contains("d9"), "{}", error.message);
}

#[test]
fn a_period_outside_one_to_26_weeks_is_refused_before_any_read() {
    for period_weeks in [0, 27] {
        let mut source = Recording { reads: Vec::new() };
        let error = build_heatmap(&mut source, period_weeks, None, week("2026-W47")).unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidInput);
        assert!(error.message.contains("period_weeks"), "{}", error.message);
        assert!(source.reads.is_empty());
    }
}
