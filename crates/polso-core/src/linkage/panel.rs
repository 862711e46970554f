//! The panel transforms behind the within-team figures of [`crate::linkage`]: team demeaning, two-way
//! (team and week) fixed effects, first differences, and the effective sample size of a correlation
//! of the transformed values. Each returns residuals together with the number of parameters the
//! transform absorbed, so the effective size starts from the right degrees of freedom.
//!
//! Pure: no IO, no clock, no randomness.

use crate::stats::mean;

use super::{MAX_AUTOCORRELATION_LAG_WEEKS, MAX_DIFFERENCE_GAP_WEEKS};

/// One team's paired weeks for a (EX metric, CX metric, lag): EX of week `weeks[i]`, CX of week
/// `weeks[i] + lag`.
#[derive(Debug, Clone)]
pub(crate) struct TeamPairs {
    /// The team's index in the series.
    pub team: usize,
    /// EX week indexes ([`crate::IsoWeek::index`]), ascending.
    pub weeks: Vec<i64>,
    /// The EX values.
    pub ex: Vec<f64>,
    /// The CX values.
    pub cx: Vec<f64>,
}

/// Transformed values of a panel and the number of parameters the transform estimated from them.
#[derive(Debug, Clone)]
pub(crate) struct Residuals {
    /// Per team that is kept: weeks ascending, and the residual EX and CX values.
    pub teams: Vec<TeamPairs>,
    /// The rank of the absorbed effects: `T` for team means, `T + W − C` for team and week effects
    /// (`W` distinct weeks, `C` connected components of the team–week graph).
    pub absorbed: usize,
}

impl Residuals {
    /// The number of residual pairs.
    pub fn n(&self) -> usize {
        self.teams.iter().map(|team| team.weeks.len()).sum()
    }

    /// The pooled residual EX and CX values, team by team.
    pub fn pooled(&self) -> (Vec<f64>, Vec<f64>) {
        let ex = self.teams.iter().flat_map(|team| team.ex.iter().copied()).collect();
        let cx = self.teams.iter().flat_map(|team| team.cx.iter().copied()).collect();
        (ex, cx)
    }
}

/// Teams with at least two pairs (a team with one carries no within-team information).
fn teams_with_two_or_more(paired: &[TeamPairs]) -> Vec<TeamPairs> {
    paired.iter().filter(|team| team.weeks.len() >= 2).cloned().collect()
}

/// Each team's values minus that team's means (one-way fixed effects).
pub(crate) fn team_demeaned(paired: &[TeamPairs]) -> Residuals {
    let mut teams = teams_with_two_or_more(paired);
    for team in &mut teams {
        subtract_mean(&mut team.ex);
        subtract_mean(&mut team.cx);
    }
    let absorbed = teams.len();
    Residuals { teams, absorbed }
}

/// The residuals of two-way fixed effects: `x_tw − a_t − b_w`, the least-squares projection off team
/// and week dummies, for EX and CX separately (week = the pair's EX week, the CX week being a fixed
/// `lag` later). Computed by alternating projections (subtract team means, then week means, until
/// nothing changes; von Neumann–Halperin, as in Gaure's `lfe`), which converge to the exact
/// projection for any unbalanced panel; one pass suffices when every team has every week.
pub(crate) fn two_way(paired: &[TeamPairs]) -> Residuals {
    let mut teams = teams_with_two_or_more(paired);
    // Each distinct week gets a slot, in week order, through a table over the span of weeks.
    let first_week = teams.iter().filter_map(|team| team.weeks.first()).copied().min().unwrap_or(0);
    let last_week = teams.iter().filter_map(|team| team.weeks.last()).copied().max().unwrap_or(-1);
    let mut slot_of_week = vec![usize::MAX; usize::try_from(last_week - first_week + 1).unwrap_or(0)];
    let offset = |week: i64| usize::try_from(week - first_week).unwrap_or(0);
    for team in &teams {
        for &week in &team.weeks {
            slot_of_week[offset(week)] = 0;
        }
    }
    let mut n_weeks = 0;
    for slot in slot_of_week.iter_mut().filter(|slot| **slot == 0) {
        *slot = n_weeks;
        n_weeks += 1;
    }
    let slots: Vec<Vec<usize>> = teams
        .iter()
        .map(|team| team.weeks.iter().map(|&week| slot_of_week[offset(week)]).collect())
        .collect();
    let mut week_counts = vec![0usize; n_weeks];
    for team_slots in &slots {
        for &slot in team_slots {
            week_counts[slot] += 1;
        }
    }
    for side in [Side::Ex, Side::Cx] {
        let scale = teams.iter().flat_map(|team| side.values(team)).fold(0.0f64, |a, v| a.max(v.abs()));
        let tolerance = 1e-13 * scale.max(1e-300);
        let mut week_sums = vec![0.0; n_weeks];
        for _ in 0..10_000 {
            let mut largest_change: f64 = 0.0;
            for team in &mut teams {
                let values = side.values_mut(team);
                let team_mean = mean(values);
                largest_change = largest_change.max(team_mean.abs());
                values.iter_mut().for_each(|value| *value -= team_mean);
            }
            week_sums.iter_mut().for_each(|sum| *sum = 0.0);
            for (team, team_slots) in teams.iter().zip(&slots) {
                for (value, &slot) in side.values(team).iter().zip(team_slots) {
                    week_sums[slot] += value;
                }
            }
            for (team, team_slots) in teams.iter_mut().zip(&slots) {
                for (value, &slot) in side.values_mut(team).iter_mut().zip(team_slots) {
                    let week_mean = week_sums[slot] / week_counts[slot] as f64;
                    largest_change = largest_change.max(week_mean.abs());
                    *value -= week_mean;
                }
            }
            if largest_change <= tolerance {
                break;
            }
        }
    }
    let components = connected_components(teams.len(), n_weeks, &slots);
    let absorbed = (teams.len() + n_weeks).saturating_sub(components);
    Residuals { teams, absorbed }
}

/// First differences: for each team, the change from one paired week to the team's next paired week
/// when they are at most [`MAX_DIFFERENCE_GAP_WEEKS`] apart, dated at the later week. A drift or
/// a random walk becomes stationary; a team's steady trend becomes its mean difference.
pub(crate) fn first_differences(paired: &[TeamPairs]) -> Vec<TeamPairs> {
    paired
        .iter()
        .map(|team| {
            let mut differences =
                TeamPairs { team: team.team, weeks: Vec::new(), ex: Vec::new(), cx: Vec::new() };
            for i in 1..team.weeks.len() {
                if team.weeks[i] - team.weeks[i - 1] <= MAX_DIFFERENCE_GAP_WEEKS {
                    differences.weeks.push(team.weeks[i]);
                    differences.ex.push(team.ex[i] - team.ex[i - 1]);
                    differences.cx.push(team.cx[i] - team.cx[i - 1]);
                }
            }
            differences
        })
        .filter(|team| !team.weeks.is_empty())
        .collect()
}

#[derive(Clone, Copy)]
enum Side {
    Ex,
    Cx,
}

impl Side {
    fn values(self, team: &TeamPairs) -> &[f64] {
        match self {
            Side::Ex => &team.ex,
            Side::Cx => &team.cx,
        }
    }

    fn values_mut(self, team: &mut TeamPairs) -> &mut Vec<f64> {
        match self {
            Side::Ex => &mut team.ex,
            Side::Cx => &mut team.cx,
        }
    }
}

fn subtract_mean(values: &mut [f64]) {
    let average = mean(values);
    values.iter_mut().for_each(|value| *value -= average);
}

/// Connected components of the bipartite graph with a node per team and per week and an edge per
/// observation (union–find).
fn connected_components(n_teams: usize, n_weeks: usize, slots: &[Vec<usize>]) -> usize {
    let mut parent: Vec<usize> = (0..n_teams + n_weeks).collect();
    fn root(parent: &mut [usize], mut node: usize) -> usize {
        while parent[node] != node {
            parent[node] = parent[parent[node]];
            node = parent[node];
        }
        node
    }
    for (team, team_slots) in slots.iter().enumerate() {
        for &slot in team_slots {
            let (a, b) = (root(&mut parent, team), root(&mut parent, n_teams + slot));
            if a != b {
                parent[a] = b;
            }
        }
    }
    (0..n_teams + n_weeks).filter(|&node| root(&mut parent, node) == node).count()
}

/// The effective sample size of the pooled correlation of `residuals` (formula in the module header
/// of [`crate::linkage`]): `m = n − absorbed + 1`, then Bartlett's correction with the autocorrelation
/// cutoff `K = min(MAX_AUTOCORRELATION_LAG_WEEKS, ⌊longest span in weeks / 4⌋)`.
pub(crate) fn effective_size(residuals: &Residuals) -> f64 {
    let n = residuals.n();
    let m = (n + 1).saturating_sub(residuals.absorbed) as f64;
    let longest_span = residuals
        .teams
        .iter()
        .filter_map(|team| Some(team.weeks.last()? - team.weeks.first()? + 1))
        .max()
        .unwrap_or(0);
    let cutoff = MAX_AUTOCORRELATION_LAG_WEEKS.min(usize::try_from(longest_span / 4).unwrap_or(0));
    let lagged_sum = autocorrelation_product_sum(&residuals.teams, cutoff);
    let denominator = 1.0 + 2.0 * lagged_sum;
    let n_effective = if denominator > 0.0 { m / denominator } else { m };
    n_effective.clamp(3.0_f64.min(m), m)
}

/// `Σ_{k=1..cutoff} r_x(k) · r_y(k)`, each autocorrelation pooled over teams over pairs of weeks
/// exactly `k` calendar weeks apart: `r_x(k) = Σ_t Σ_w x_tw · x_t,w+k / Σ_t Σ_w x_tw²`.
pub(crate) fn autocorrelation_product_sum(teams: &[TeamPairs], cutoff: usize) -> f64 {
    let squares = |values: &dyn Fn(&TeamPairs) -> &[f64]| -> f64 {
        teams.iter().flat_map(|team| values(team).iter()).map(|v| v * v).sum()
    };
    let (ex_squares, cx_squares) = (squares(&|team| &team.ex), squares(&|team| &team.cx));
    if ex_squares <= 0.0 || cx_squares <= 0.0 {
        return 0.0;
    }
    // Dense per-team arrays over each team's span of weeks, 0 where a week has no pair: a missing
    // week then adds an exact 0 to the sums below, which leaves them as if it were skipped, and the
    // loops need no branch. One buffer for all teams, allocated once.
    let mut offsets = Vec::with_capacity(teams.len() + 1);
    offsets.push(0usize);
    for team in teams {
        let span = match (team.weeks.first(), team.weeks.last()) {
            (Some(first), Some(last)) => usize::try_from(last - first + 1).unwrap_or(0),
            _ => 0,
        };
        offsets.push(offsets[offsets.len() - 1] + span);
    }
    let total_slots = offsets[offsets.len() - 1];
    let (mut ex_dense, mut cx_dense) = (vec![0.0; total_slots], vec![0.0; total_slots]);
    for (team, &offset) in teams.iter().zip(&offsets) {
        let first = team.weeks.first().copied().unwrap_or(0);
        for ((week, ex), cx) in team.weeks.iter().zip(&team.ex).zip(&team.cx) {
            if let Ok(slot) = usize::try_from(week - first) {
                ex_dense[offset + slot] = *ex;
                cx_dense[offset + slot] = *cx;
            }
        }
    }
    let mut total = 0.0;
    for lag in 1..=cutoff {
        let (mut ex_products, mut cx_products) = (0.0, 0.0);
        for bounds in offsets.windows(2) {
            let (ex_team, cx_team) = (&ex_dense[bounds[0]..bounds[1]], &cx_dense[bounds[0]..bounds[1]]);
            if ex_team.len() <= lag {
                continue;
            }
            for (earlier, later) in ex_team.iter().zip(&ex_team[lag..]) {
                ex_products += earlier * later;
            }
            for (earlier, later) in cx_team.iter().zip(&cx_team[lag..]) {
                cx_products += earlier * later;
            }
        }
        total += (ex_products / ex_squares) * (cx_products / cx_squares);
    }
    total
}
