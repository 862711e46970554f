//! Released weeks pooled into the heatmap's two periods as they come, one
//! unit at a time ([`UnitPeriods`]), instead of kept week by week.
//!
//! A source that holds wire tables (the app's fake servers, a test reading
//! `GET /v1/aggregates`) pools them with [`PooledSeries::of_table`]; the
//! server pools its published rows as it reads them, so a heatmap of 5,000
//! teams keeps two running sums per team and metric, not 52 weeks. Either
//! way the sums see each unit's weeks in ascending order, so both give the
//! same figures to the last bit.

use std::collections::HashMap;
use std::ops::RangeInclusive;

use polso_api::{AggregateCell, AggregateTable, NextPublication, ReleaseNoiseInIntervals, UnitKind};
use polso_core::IsoWeek;

use crate::change::{NoiseMemo, PeriodEstimate, PeriodSums, ReleaseNoise, ReleasedWeek};
use crate::publication::Publication;

/// What the heatmap knows of the differential-privacy noise on released figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KnownNoise {
    /// Differential privacy is off.
    Off,
    /// On, with this ε per cell.
    Known {
        /// ε per released cell, as the server said.
        epsilon_per_cell: f64,
    },
    /// The server did not say.
    Unknown,
}

/// One unit's released figures of one metric in one week.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeekFigures {
    /// The week.
    pub week: IsoWeek,
    /// Whether the schedule asked the metric that week.
    pub asked: bool,
    /// Whether the cell was released (at least k answered, after suppression).
    pub released: bool,
    /// The released count.
    pub n: Option<u32>,
    /// The released mean.
    pub mean: Option<f64>,
    /// A driver's mean on its anchor item's level, when known.
    pub standardised_mean: Option<f64>,
    /// The released sample sd; absent below the histogram minimum.
    pub sd: Option<f64>,
    /// The eNPS of the released histogram (the eNPS metric only).
    pub enps: Option<f64>,
    /// The burnout share of the released histogram (the burnout metric only).
    pub burnout_share: Option<f64>,
}

impl WeekFigures {
    /// A week with nothing released: asked or not, withheld or not published.
    pub fn withheld(week: IsoWeek, asked: bool) -> WeekFigures {
        WeekFigures {
            week,
            asked,
            released: false,
            n: None,
            mean: None,
            standardised_mean: None,
            sd: None,
            enps: None,
            burnout_share: None,
        }
    }

    /// The figures of a wire cell, read in `week`.
    pub fn of_cell(week: IsoWeek, cell: &AggregateCell) -> WeekFigures {
        WeekFigures {
            week,
            asked: cell.asked,
            released: cell.released,
            n: cell.n,
            mean: cell.mean,
            standardised_mean: cell.standardised_mean,
            sd: cell.sd,
            enps: cell.enps.map(|figures| figures.enps),
            burnout_share: cell.burnout_share,
        }
    }
}

/// The heatmap's two periods, as published, and what it knows of the
/// release noise: what every unit's weeks are pooled by.
#[derive(Debug, Clone)]
pub struct HeatmapPeriods {
    /// The latest period, whole.
    pub(crate) current: RangeInclusive<IsoWeek>,
    /// The period before it, whole.
    pub(crate) previous: RangeInclusive<IsoWeek>,
    /// Its published weeks; `None` when none is.
    pub(crate) current_published: Option<RangeInclusive<IsoWeek>>,
    /// The previous period's published weeks; `None` when none is.
    pub(crate) previous_published: Option<RangeInclusive<IsoWeek>>,
    pub(crate) k: u32,
    pub(crate) publication: Publication,
    pub(crate) release_noise: ReleaseNoiseInIntervals,
    pub(crate) epsilon_per_cell: Option<f64>,
    /// The release noise, its count terms kept across the heatmap's cells.
    pub(crate) noise: Option<NoiseMemo>,
}

impl HeatmapPeriods {
    /// `current` against `previous`, published as `publication` says, in an
    /// organisation of minimum group size `k`, with the noise as known.
    pub fn new(
        current: RangeInclusive<IsoWeek>,
        previous: RangeInclusive<IsoWeek>,
        publication: Publication,
        k: u32,
        noise: KnownNoise,
    ) -> HeatmapPeriods {
        let (release_noise, epsilon_per_cell, model) = match noise {
            KnownNoise::Off => (ReleaseNoiseInIntervals::Off, None, None),
            KnownNoise::Known { epsilon_per_cell } => {
                match ReleaseNoise::of_epsilon_per_cell(epsilon_per_cell, k) {
                    Some(model) => (ReleaseNoiseInIntervals::Included, Some(epsilon_per_cell), Some(model)),
                    None => (ReleaseNoiseInIntervals::Unknown, None, None),
                }
            }
            KnownNoise::Unknown => (ReleaseNoiseInIntervals::Unknown, None, None),
        };
        let published_in = |weeks: &RangeInclusive<IsoWeek>| -> Option<RangeInclusive<IsoWeek>> {
            let published = publication.published_through?;
            (*weeks.start() <= published).then(|| *weeks.start()..=(*weeks.end()).min(published))
        };
        HeatmapPeriods {
            current_published: published_in(&current),
            previous_published: published_in(&previous),
            current,
            previous,
            k,
            publication,
            release_noise,
            epsilon_per_cell,
            noise: model.map(NoiseMemo::new),
        }
    }

    /// Periods of nothing, for a read that wants only what is published.
    pub fn none(week: IsoWeek) -> HeatmapPeriods {
        let publication = Publication { published_through: None, next_publication: None };
        HeatmapPeriods::new(week..=week, week..=week, publication, 0, KnownNoise::Unknown)
    }

    /// Pools `unit`'s next week, `figures` (each unit's weeks in ascending order).
    pub fn add(&self, unit: &mut UnitPeriods, figures: &WeekFigures) {
        let noise = self.noise.as_ref();
        let pooled = figures.asked && figures.released;
        if let Some(current) = &self.current_published
            && current.contains(&figures.week)
        {
            unit.current_weeks = true;
            unit.current_asked |= figures.asked;
            if pooled {
                unit.current.add(figures, noise);
                if let Some(n) = figures.n {
                    unit.answered.push((figures.week, n));
                }
            }
        }
        if pooled
            && let Some(previous) = &self.previous_published
            && previous.contains(&figures.week)
        {
            unit.previous.add(figures, noise);
        }
    }
}

/// One unit's weeks of one metric, pooled into the heatmap's two periods.
#[derive(Debug, Clone, Default)]
pub struct UnitPeriods {
    pub(crate) current: PeriodPool,
    pub(crate) previous: PeriodPool,
    /// Whether any week of the published current period was seen.
    pub(crate) current_weeks: bool,
    /// Whether the schedule asked the metric in a week seen of it.
    pub(crate) current_asked: bool,
    /// Each released week's count in the current period, in week order.
    pub(crate) answered: Vec<(IsoWeek, u32)>,
}

/// One period's released, asked weeks, pooled on their means and, for a
/// driver, on their standardised means: the period uses the latter when every
/// week has one, so two periods that asked different items compare the people.
#[derive(Debug, Clone)]
pub(crate) struct PeriodPool {
    raw: Pool,
    standardised: Pool,
    all_standardised: bool,
}

impl Default for PeriodPool {
    fn default() -> PeriodPool {
        PeriodPool { raw: Pool::default(), standardised: Pool::default(), all_standardised: true }
    }
}

impl PeriodPool {
    fn add(&mut self, figures: &WeekFigures, noise: Option<&NoiseMemo>) {
        self.all_standardised &= figures.standardised_mean.is_some();
        let Some(n) = figures.n.filter(|n| *n > 0) else {
            return;
        };
        // Both pools take the noise of the mean as released.
        let variance_of = |mean: f64| noise.map(|noise| noise.mean_variance(figures.mean.unwrap_or(mean), n));
        let released_variance = figures.mean.map(variance_of);
        if let Some(mean) = figures.mean {
            self.raw.add(mean, n, figures, released_variance.flatten());
        }
        if let Some(mean) = figures.standardised_mean {
            let variance = released_variance.unwrap_or_else(|| variance_of(mean));
            self.standardised.add(mean, n, figures, variance);
        }
    }

    /// The period's figures; `None` when no week was released.
    pub(crate) fn pooled(&self) -> Option<PooledPeriod> {
        let pool = if self.all_standardised { &self.standardised } else { &self.raw };
        let estimate = pool.sums.estimate()?;
        Some(PooledPeriod {
            mean: estimate.mean,
            n: estimate.answers,
            released_weeks: estimate.released_weeks,
            enps: pool.enps.mean(),
            burnout_share: pool.burnout_share.mean(),
            estimate,
        })
    }
}

/// The sums of one period on one kind of mean.
#[derive(Debug, Clone, Copy, Default)]
struct Pool {
    sums: PeriodSums,
    enps: WeightedMean,
    burnout_share: WeightedMean,
}

impl Pool {
    fn add(&mut self, mean: f64, n: u32, figures: &WeekFigures, noise_variance: Option<f64>) {
        let released_mean = figures.mean.unwrap_or(mean);
        let week = ReleasedWeek { mean, released_mean, n, sd: figures.sd };
        self.sums.add(&week, noise_variance);
        // eNPS and the burnout share are linear in the released shares,
        // so weighting each week's by its n pools the released histograms.
        self.enps.add(figures.enps, n);
        self.burnout_share.add(figures.burnout_share, n);
    }
}

/// A period's figures from its released weeks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PooledPeriod {
    pub(crate) mean: f64,
    pub(crate) n: u32,
    pub(crate) released_weeks: u32,
    /// The n-weighted eNPS of the released weeks that carry one.
    pub(crate) enps: Option<f64>,
    /// The n-weighted burnout share of the released weeks that carry one.
    pub(crate) burnout_share: Option<f64>,
    /// The period with what its change's interval needs.
    pub(crate) estimate: PeriodEstimate,
}

/// An n-weighted mean of figures, each weighted by its cell's n.
#[derive(Debug, Clone, Copy, Default)]
struct WeightedMean {
    weighted_sum: f64,
    weight: u32,
}

impl WeightedMean {
    fn add(&mut self, value: Option<f64>, weight: u32) {
        if let Some(value) = value {
            self.weighted_sum += value * f64::from(weight);
            self.weight += weight;
        }
    }

    fn mean(self) -> Option<f64> {
        (self.weight > 0).then(|| self.weighted_sum / f64::from(self.weight))
    }
}

/// One unit of a [`PooledSeries`].
#[derive(Debug, Clone)]
pub struct PooledUnit {
    /// The unit's level.
    pub kind: UnitKind,
    /// The unit's id.
    pub id: String,
    /// The unit's name.
    pub name: String,
    /// Its weeks, pooled.
    pub periods: UnitPeriods,
}

/// What a source released of one metric at one level, pooled into the
/// heatmap's periods.
#[derive(Debug, Clone)]
pub struct PooledSeries {
    /// The organisation's minimum group size.
    pub k: u32,
    /// The last published week; `None` while nothing is.
    pub published_through: Option<IsoWeek>,
    /// The next publication, as the source announced it.
    pub next_publication: Option<NextPublication>,
    /// Every unit the source named.
    pub units: Vec<PooledUnit>,
}

impl PooledSeries {
    /// A wire table pooled by `periods`: its cells grouped by unit, each
    /// unit's taken in the table's order (the server writes them by week). A
    /// cell whose week does not read names its unit but is in no period.
    pub fn of_table(table: &AggregateTable, periods: &HeatmapPeriods) -> PooledSeries {
        let mut units: Vec<PooledUnit> = Vec::new();
        let mut position: HashMap<(UnitKind, &str), usize> = HashMap::new();
        for cell in &table.cells {
            let at = *position.entry((cell.unit_kind, cell.unit_id.as_str())).or_insert_with(|| {
                units.push(PooledUnit {
                    kind: cell.unit_kind,
                    id: cell.unit_id.clone(),
                    name: cell.unit_name.clone(),
                    periods: UnitPeriods::default(),
                });
                units.len() - 1
            });
            if let Ok(week) = cell.week.parse::<IsoWeek>() {
                periods.add(&mut units[at].periods, &WeekFigures::of_cell(week, cell));
            }
        }
        PooledSeries {
            k: table.k,
            published_through: table.published_through.as_deref().and_then(|text| text.parse().ok()),
            next_publication: table.next_publication.clone(),
            units,
        }
    }
}
