//! The change of a released figure between two periods (HR's heatmap and
//! summary, issue 16): the change, its 95% interval, and whether it is likely
//! real, from the released weeks' figures alone.
//!
//! **A period's figure.** Only released cells enter a period; a withheld week
//! adds nothing. For the released weeks `i` with mean `mᵢ` (a driver's
//! standardised mean when every week has one), sample sd `sᵢ` and `nᵢ`
//! answers, the period's figure is `m = Σ nᵢ·mᵢ / N` with `N = Σ nᵢ`, and the
//! sd of all its answers taken together is the usual pooling of groups,
//! `s² = (Σ (nᵢ − 1)·sᵢ² + Σ nᵢ·(mᵢ − m)²) / (N − 1)` (as the app's four-week periods).
//!
//! **Counting people, not answers.** A metric asked every week (wellbeing) is
//! answered by much the same people in each week of a period, so its `N`
//! answers are not `N` independent ones. The interval counts each person once:
//! `n = N / w`, the period's answers over its released weeks `w` (the average
//! weekly count). Whatever the correlation of one person's answers across the
//! weeks, the variance of the mean of people's own averages is at most `s²/n`
//! (the variance of an average is at most the average of the variances), so
//! `s²/n` is an upper bound of the sampling variance, never an understatement.
//! A metric asked once a period has `w = 1` and `n = N`.
//!
//! **Differential-privacy noise.** A released metric cell carries discrete
//! Laplace noise drawn once at publication (`polso_core::dp`, and the
//! server's `privacy.rs`): ε per cell is split 1/3 to the count (sensitivity
//! 1, scale `t_c = 3/ε`) and 1/2 to the sum taken about the scale's middle in
//! half-points (sensitivity 100 for a 0–100 score, scale `t_s = 200/ε`); the
//! released mean is `50 + (C + e_s) / (2·N')`, with `C` the exact centred
//! sum and `N' = max(n + e_c, k)` the released count (clamped at k). Its noise
//! is `(m − 50)·(n/N' − 1) + e_s/(2N')`; `e_s` and `e_c` are independent and
//! `e_s` has mean 0, so its variance is
//! `v = (m − 50)²·Var(n/N') + V_s/4·E[1/N'²]`, where `V_s = 2p/(1 − p)²`,
//! `p = e^(−1/t_s)`, is the variance of discrete Laplace of scale `t_s`
//! ([`DiscreteLaplace::variance`]) and the two expectations over `e_c` are
//! summed over its distribution, `P(x) = (1 − p)/(1 + p)·p^|x|`. The released
//! `m` and `n` are put in for the exact ones. The clamp of the mean to 0–100
//! is left out: a clamp can only narrow a spread (it is 1-Lipschitz), so `v`
//! is an upper bound, within 1% of the server's own draws at the default ε
//! (13/2) and up to 2.5 times them at ε = 1/2 with 9 answers, where the noise
//! swamps the figure anyway (the app's `change_tests.rs`). So the interval errs wide. The weeks' noises are independent,
//! so the period's mean carries `Σ (nᵢ/N)²·vᵢ`. The server says ε per cell
//! (`GET /v1/privacy-ledger`); when it does not, the interval leaves the noise
//! out and the view says so. The noise also widens the released sd a little
//! (it is computed from the noisy histogram), which only makes `s` larger.
//!
//! **The change and its interval (Welch).** `d = m₁ − m₀`, current less
//! previous, with variance `V = s₁²/n₁ + s₀²/n₀ + noise₁ + noise₀` and
//! Welch–Satterthwaite degrees of freedom
//! `ν = V² / ((s₁²/n₁)²/(n₁ − 1) + (s₀²/n₀)²/(n₀ − 1))` (the noise variances are
//! known, not estimated, so they add no term below the line). The 95% interval
//! is `d ± t₀.₉₇₅,ν·√V`, and the change is **likely real** when the interval
//! excludes 0 (a two-sided Welch test at 5%). The two periods are treated as
//! independent samples; the same people answering both makes their means
//! positively correlated, which would narrow the true interval, so this one
//! errs wide. A change is left without an interval when a released week has
//! no sd (a cell below the histogram minimum), when a period counts at most
//! one person, or when nothing varies (`V = 0`); when only the noise varies,
//! the interval is the normal one, `d ± 1.96·√V`.
//!
//! Pure: no IO, no clock.

use polso_core::dp::{
    DiscreteLaplace, EPSILON_SHARE_COUNT as COUNT_SHARE, EPSILON_SHARE_SUM as SUM_SHARE, Epsilon,
};
use polso_core::stats::{NORMAL_QUANTILE_975, students_t_quantile_two_sided};

/// The confidence of the change's interval.
pub const CHANGE_CONFIDENCE: f64 = 0.95;

/// The middle of a 0–100 score, about which the server sums values for its noise.
const SCORE_MIDDLE: f64 = 50.0;

/// The sensitivity of a score cell's centred sum, in half-points: a score's range.
const SCORE_SUM_SENSITIVITY: u64 = 100;

/// The most decimals ε per cell is read with ([`Epsilon::MAX_DECIMALS`]).
const EPSILON_SCALE: f64 = 10_000.0;

/// One released week of one unit's metric, as a period pools it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReleasedWeek {
    /// The mean the period pools (a driver's standardised mean when every week has one).
    pub mean: f64,
    /// The mean as released, for the noise (the noise depends on its distance from the middle).
    pub released_mean: f64,
    /// The released count of answers.
    pub n: u32,
    /// The released sample sd; absent below the histogram minimum.
    pub sd: Option<f64>,
}

/// The differential-privacy noise the server adds to a released score cell's
/// count and centred sum, and the k it clamps the count at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReleaseNoise {
    /// `p = e^(−1/t_c)` of the count's discrete Laplace noise.
    count_p: f64,
    /// The count noise's scale `t_c`, for how far its distribution is summed.
    count_scale: f64,
    sum_variance: f64,
    k: u32,
}

impl ReleaseNoise {
    /// The noise under `epsilon_per_cell` (as `GET /v1/privacy-ledger` says
    /// it) in an organisation of minimum group size `k`; `None` when it is not
    /// a valid ε (0.01 to 10, at most four decimals).
    pub fn of_epsilon_per_cell(epsilon_per_cell: f64, k: u32) -> Option<ReleaseNoise> {
        if !epsilon_per_cell.is_finite() || epsilon_per_cell <= 0.0 {
            return None;
        }
        let scaled = (epsilon_per_cell * EPSILON_SCALE).round();
        if scaled > u64::MAX as f64 {
            return None;
        }
        let epsilon = Epsilon::from_ratio(scaled as u64, EPSILON_SCALE as u64)?;
        let count = DiscreteLaplace::for_query(1, epsilon.split(COUNT_SHARE)).ok()?;
        let sum = DiscreteLaplace::for_query(SCORE_SUM_SENSITIVITY, epsilon.split(SUM_SHARE)).ok()?;
        Some(ReleaseNoise {
            count_p: (-1.0 / count.scale()).exp(),
            count_scale: count.scale(),
            sum_variance: sum.variance(),
            k,
        })
    }

    /// The variance of a centred sum's noise, in half-points squared.
    pub fn sum_variance(self) -> f64 {
        self.sum_variance
    }

    /// The noise variance of a released score mean `mean` of `n` answers:
    /// `(mean − 50)²·Var(n/N') + V_s/4·E[1/N'²]` with `N' = max(n + e_c, k)`
    /// the released count, the expectations summed over the count noise's
    /// distribution (see the module header).
    pub fn mean_variance(self, mean: f64, n: u32) -> f64 {
        self.count_terms(n).mean_variance(mean)
    }

    /// The terms of [`ReleaseNoise::mean_variance`] that depend on the count
    /// `n` alone, which a heatmap of many cells with few distinct counts
    /// computes once per count ([`NoiseMemo`]).
    pub fn count_terms(self, n: u32) -> CountNoiseTerms {
        let n_answers = f64::from(n.max(1));
        let k = f64::from(self.k.max(1));
        // Beyond 40 scales a term weighs less than e^−40 of the middle one.
        let reach = (40.0 * self.count_scale).ceil() as i64 + 1;
        let normaliser = (1.0 - self.count_p) / (1.0 + self.count_p);
        let (mut ratio, mut ratio_squared, mut inverse_squared) = (0.0, 0.0, 0.0);
        for noise in -reach..=reach {
            let weight = normaliser * self.count_p.powi(i32::try_from(noise.abs()).unwrap_or(i32::MAX));
            let released = (n_answers + noise as f64).max(k);
            ratio += weight * n_answers / released;
            ratio_squared += weight * (n_answers / released).powi(2);
            inverse_squared += weight / (released * released);
        }
        CountNoiseTerms {
            ratio_variance: ratio_squared - ratio * ratio,
            sum_term: self.sum_variance / 4.0 * inverse_squared,
        }
    }
}

/// The parts of a released mean's noise variance fixed by its count: `Var(n/N')`
/// and `V_s/4·E[1/N'²]` ([`ReleaseNoise::count_terms`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CountNoiseTerms {
    ratio_variance: f64,
    sum_term: f64,
}

impl CountNoiseTerms {
    /// The noise variance of a released mean `mean` with these count terms.
    pub fn mean_variance(self, mean: f64) -> f64 {
        (mean - SCORE_MIDDLE).powi(2) * self.ratio_variance + self.sum_term
    }
}

/// [`ReleaseNoise`] with its count terms kept as they are computed: the
/// same variances, each count's sum over the noise's distribution done once.
#[derive(Debug, Clone)]
pub struct NoiseMemo {
    noise: ReleaseNoise,
    /// By count; a count beyond [`NoiseMemo::MOST_KEPT`] is summed each time.
    by_count: std::cell::RefCell<Vec<Option<CountNoiseTerms>>>,
}

impl NoiseMemo {
    /// The largest count whose terms are kept (an organisation's weekly count of 100,000 people).
    const MOST_KEPT: u32 = 1 << 17;

    /// A memo of `noise`'s count terms, empty.
    pub fn new(noise: ReleaseNoise) -> NoiseMemo {
        NoiseMemo { noise, by_count: Default::default() }
    }

    /// [`ReleaseNoise::mean_variance`], its count terms computed once per count.
    pub fn mean_variance(&self, mean: f64, n: u32) -> f64 {
        if n > NoiseMemo::MOST_KEPT {
            return self.noise.mean_variance(mean, n);
        }
        let slot = n as usize;
        let mut by_count = self.by_count.borrow_mut();
        if by_count.len() <= slot {
            by_count.resize(slot + 1, None);
        }
        let terms = *by_count[slot].get_or_insert_with(|| self.noise.count_terms(n));
        terms.mean_variance(mean)
    }
}

/// A period's figure from its released weeks, with what its uncertainty needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PeriodEstimate {
    /// `Σ nᵢ·mᵢ / N`.
    pub mean: f64,
    /// `N`, the answers of its released weeks.
    pub answers: u32,
    /// `w`, its released weeks.
    pub released_weeks: u32,
    /// The sd of all its answers taken together; absent when a week has none.
    pub sd: Option<f64>,
    /// The differential-privacy noise variance of `mean`; 0 when none is known.
    pub noise_variance: f64,
}

impl PeriodEstimate {
    /// `N / w`: the people the interval counts, each once.
    pub fn people(&self) -> f64 {
        f64::from(self.answers) / f64::from(self.released_weeks.max(1))
    }
}

/// Pools `weeks` (the released weeks of one period) into its figure; `None`
/// when no week has an answer. `noise` adds each week's noise variance.
pub fn pool_period(weeks: &[ReleasedWeek], noise: Option<ReleaseNoise>) -> Option<PeriodEstimate> {
    let mut sums = PeriodSums::default();
    for week in weeks {
        sums.add(week, noise.map(|noise| noise.mean_variance(week.released_mean, week.n)));
    }
    sums.estimate()
}

/// A period pooled one released week at a time: running sums from which
/// [`PeriodSums::estimate`] gives what [`pool_period`] does, so a heatmap
/// pools 5,000 teams' weeks as they are read, without keeping them.
///
/// The sd is taken from the sums, `s² = (Σ (nᵢ − 1)·sᵢ² + Σ nᵢ·mᵢ² − N·m²) / (N − 1)`,
/// the module header's pooling written out; with means within 0–100 the
/// difference loses nothing a figure shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PeriodSums {
    answers: u32,
    weeks: u32,
    /// `Σ nᵢ·mᵢ`.
    weighted: f64,
    /// `Σ nᵢ·mᵢ²`.
    weighted_squares: f64,
    /// `Σ (nᵢ − 1)·sᵢ²`; `None` once a week has no sd.
    within: Option<f64>,
    /// `Σ nᵢ²·vᵢ`, the weeks' noise variances weighted by their counts squared.
    noise: f64,
}

impl Default for PeriodSums {
    fn default() -> PeriodSums {
        PeriodSums {
            answers: 0,
            weeks: 0,
            weighted: 0.0,
            weighted_squares: 0.0,
            within: Some(0.0),
            noise: 0.0,
        }
    }
}

impl PeriodSums {
    /// Adds a released week, with its noise variance when one is known; a
    /// week without answers adds nothing.
    pub fn add(&mut self, week: &ReleasedWeek, noise_variance: Option<f64>) {
        if week.n == 0 {
            return;
        }
        let n = f64::from(week.n);
        self.answers = self.answers.saturating_add(week.n);
        self.weeks += 1;
        self.weighted += n * week.mean;
        self.weighted_squares += n * week.mean * week.mean;
        self.within = self.within.zip(week.sd).map(|(within, sd)| within + (n - 1.0) * sd * sd);
        self.noise += n * n * noise_variance.unwrap_or(0.0);
    }

    /// The period's figure; `None` when no week had an answer.
    pub fn estimate(&self) -> Option<PeriodEstimate> {
        if self.answers == 0 {
            return None;
        }
        let total = f64::from(self.answers);
        let mean = self.weighted / total;
        let sd = self.within.filter(|_| self.answers >= 2).map(|within| {
            ((within + self.weighted_squares - total * mean * mean) / (total - 1.0)).max(0.0).sqrt()
        });
        Some(PeriodEstimate {
            mean,
            answers: self.answers,
            released_weeks: self.weeks,
            sd,
            noise_variance: self.noise / (total * total),
        })
    }
}

/// A change between two periods with its interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PeriodChange {
    /// `m₁ − m₀`, in points.
    pub change: f64,
    /// `√V`.
    pub standard_error: f64,
    /// Welch–Satterthwaite's ν.
    pub degrees_of_freedom: f64,
    /// The lower end of the 95% interval.
    pub low: f64,
    /// The upper end of the 95% interval.
    pub high: f64,
    /// The interval excludes 0.
    pub likely_real: bool,
}

/// The change from `before` to `now` with its Welch interval (see the module
/// header); `None` when either has no sd, counts at most one person, or
/// nothing varies.
pub fn period_change(now: &PeriodEstimate, before: &PeriodEstimate) -> Option<PeriodChange> {
    let sampling = |period: &PeriodEstimate| -> Option<(f64, f64)> {
        let people = period.people();
        (people > 1.0).then_some(())?;
        Some((period.sd?.powi(2) / people, people - 1.0))
    };
    let (now_variance, now_df) = sampling(now)?;
    let (before_variance, before_df) = sampling(before)?;
    let variance = now_variance + before_variance + now.noise_variance + before.noise_variance;
    let below = now_variance.powi(2) / now_df + before_variance.powi(2) / before_df;
    if variance.is_nan() || variance <= 0.0 {
        return None;
    }
    // With no sampling spread at all, what is left is the known noise: a normal interval.
    let (degrees_of_freedom, t) = if below > 0.0 {
        let degrees_of_freedom = variance.powi(2) / below;
        (degrees_of_freedom, students_t_quantile_two_sided(CHANGE_CONFIDENCE, degrees_of_freedom)?)
    } else {
        (f64::INFINITY, NORMAL_QUANTILE_975)
    };
    let change = now.mean - before.mean;
    let standard_error = variance.sqrt();
    let (low, high) = (change - t * standard_error, change + t * standard_error);
    Some(PeriodChange {
        change,
        standard_error,
        degrees_of_freedom,
        low,
        high,
        likely_real: low > 0.0 || high < 0.0,
    })
}
