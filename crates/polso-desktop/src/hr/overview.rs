//! The organisation overview, shaped from the server's released tables: every week a point,
//! released, suppressed, not asked or not yet published, with its confidence band. Pure: no
//! network, no store, no clock.

use std::collections::HashMap;
use std::ops::RangeInclusive;

use polso_api::{
    AggregateCell, AggregateTable, HrOverview, MetricKey, MetricSeries, ParticipationPoint, SeriesPoint,
    UnitKind,
};
use polso_core::IsoWeek;

use polso_hr::publication::Publication;

use crate::periods::{confidence_band, four_week_periods, is_four_weekly};

/// The shortest and the longest overview, in weeks.
pub const OVERVIEW_WEEKS: RangeInclusive<u32> = 4..=104;

/// Puts each released "not applicable" count of the organisation on its
/// metric's point of the same week.
pub fn add_not_applicable(overview: &mut HrOverview, tables: &[(MetricKey, AggregateTable)]) {
    for (metric, table) in tables {
        let Some(series) = overview.metrics.iter_mut().find(|series| series.metric == *metric) else {
            continue;
        };
        for point in series.points.iter_mut().filter(|point| point.published) {
            point.not_applicable = table
                .cells
                .iter()
                .find(|cell| cell.unit_kind == UnitKind::Organisation && cell.week == point.week)
                .filter(|cell| cell.asked && cell.released)
                .and_then(|cell| cell.n);
        }
    }
}

/// Shapes one organisation-level table per metric into the overview. Every
/// week of `weeks` gets a point in every series: released, suppressed, not
/// asked (the organisation's schedule did not ask the metric that week, which
/// is a gap, not "fewer than k"), or not yet published. A metric asked once
/// every four weeks also gets its four-week periods (`crate::periods`).
pub fn shape_overview(weeks: RangeInclusive<IsoWeek>, tables: &[(MetricKey, AggregateTable)]) -> HrOverview {
    let week_list: Vec<IsoWeek> =
        (weeks.start().index()..=weeks.end().index()).map(IsoWeek::from_index).collect();
    let k = tables.first().map_or(0, |(_, table)| table.k);
    let publication = Publication::of(tables.iter().map(|(_, table)| table));
    let metrics: Vec<MetricSeries> = tables
        .iter()
        .map(|(metric, table)| {
            let by_week: HashMap<&str, &AggregateCell> = table
                .cells
                .iter()
                .filter(|cell| cell.unit_kind == UnitKind::Organisation)
                .map(|cell| (cell.week.as_str(), cell))
                .collect();
            let points = week_list
                .iter()
                .map(|week| {
                    series_point(
                        *week,
                        by_week.get(week.to_string().as_str()).copied(),
                        publication.is_published(*week),
                    )
                })
                .collect();
            let periods = is_four_weekly(*metric).then(|| {
                let cells: Vec<&AggregateCell> = by_week.values().copied().collect();
                four_week_periods(&weeks, &cells, &publication)
            });
            MetricSeries { metric: *metric, points, periods }
        })
        .collect();
    let participation = week_list
        .iter()
        .enumerate()
        .map(|(position, week)| {
            let asked: Vec<&SeriesPoint> = metrics
                .iter()
                .filter_map(|series| series.points.get(position))
                .filter(|point| point.asked)
                .collect();
            let most_answered = asked.iter().filter_map(|point| point.n).max();
            let published = publication.is_published(*week);
            ParticipationPoint {
                week: week.to_string(),
                week_monday: week.monday().to_string(),
                n: most_answered,
                suppressed: published && most_answered.is_none() && !asked.is_empty(),
                published,
            }
        })
        .collect();
    HrOverview {
        k,
        from: weeks.start().to_string(),
        to: weeks.end().to_string(),
        metrics,
        participation,
        published_through: publication.published_through_text(),
        next_publication: publication.next_publication,
        questionnaire: Vec::new(),
    }
}

/// One week's point: the released figures with their band, a point with no
/// figures and `asked: false` when the schedule did not ask the metric, a
/// suppressed point when the cell is withheld or missing, or, for a week not
/// yet `published`, a point with no figures that is neither (whatever cell
/// came for it).
pub(crate) fn series_point(week: IsoWeek, cell: Option<&AggregateCell>, published: bool) -> SeriesPoint {
    if !published {
        return SeriesPoint {
            week: week.to_string(),
            week_monday: week.monday().to_string(),
            mean: None,
            low: None,
            high: None,
            n: None,
            asked: true,
            suppressed: false,
            published: false,
            enps: None,
            burnout_share: None,
            not_applicable: None,
            item_id: None,
            standardised_mean: None,
        };
    }
    let asked = cell.is_none_or(|cell| cell.asked);
    let released =
        cell.filter(|cell| cell.asked && cell.released).and_then(|cell| Some((cell.mean?, cell.n?, cell.sd)));
    let derived = cell.filter(|cell| cell.asked && cell.released && released.is_some());
    let (mean, n, band) = match released {
        Some((mean, n, sd)) => (Some(mean), Some(n), sd.map(|sd| confidence_band(mean, sd, n))),
        None => (None, None, None),
    };
    SeriesPoint {
        week: week.to_string(),
        week_monday: week.monday().to_string(),
        mean,
        low: band.map(|(low, _)| low),
        high: band.map(|(_, high)| high),
        n,
        asked,
        suppressed: asked && mean.is_none(),
        published: true,
        enps: derived.and_then(|cell| cell.enps),
        burnout_share: derived.and_then(|cell| cell.burnout_share),
        not_applicable: None,
        item_id: cell.and_then(|cell| cell.item_id.clone()),
        standardised_mean: derived.and_then(|cell| cell.standardised_mean),
    }
}
