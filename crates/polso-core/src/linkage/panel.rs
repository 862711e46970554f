//! The panel transforms behind the within-team figures of [`crate::linkage`]: team demeaning, two-way
//! (team and week) fixed effects, first differences, and the effective sample size of a correlation
//! of the transformed values. Each returns residuals together with the number of parameters the
//! transform absorbed, so the effective size starts from the right degrees of freedom.
//!
//! # The layout
//!
//! A [`Panel`] is a dense team × week table: one row per team that is kept (at least two pairs, in
//! team order), one column per week from the first to the last week a kept team has a pair in, and
//! three row-major arrays of `rows × weeks` numbers: `present` (1.0 where the row's team has a pair
//! in that week, 0.0 where it has none) and the EX and CX values (0.0 where there is no pair). Every
//! transform is a sweep along rows (a team's sums) or down the columns (a week's sums) of contiguous
//! memory, and an absent week takes part in every sum as an exact 0, so the sums are those over the
//! pairs and the loops need no branch. The grid fills its panels from the series' team × week tables
//! ([`Panel::fill_paired`], a lag being an offset into the CX table) and reuses their memory from one
//! cell to the next; the detail view's functions build the same panel from per-team pairs
//! ([`Panel::from_pairs`]); both give the same rows and columns for the same pairs, so both compute
//! the same numbers in the same order.
//!
//! # Two-way fixed effects
//!
//! The residual `x_tw − a_t − b_w` of the least-squares fit of team and week effects. Team effects
//! are eliminated first (`x̃` = the values minus their team mean); the week effects then solve the
//! `W × W` system `S b = N′x̃`, `S = D_W − N′ D_T⁻¹ N` (`N` the team-week incidence, `D_T` and `D_W`
//! the pairs per team and per week), the normal equations of `x̃` on team-demeaned week dummies.
//! It is solved by conjugate gradients preconditioned by `D_W` (the acceleration `reghdfe` applies to
//! its projections by default), which need one sweep over the panel per step for both sides together
//! and converge in about five steps on the benchmark's panels (one when the panel is balanced), where
//! alternating projections (team means, then week means, repeated) need a few sweeps per side per
//! pass and 10 to 20 passes. The residual is `x̃ − b_w` with its team
//! mean removed again. `S` is singular (a constant added to the weeks of one connected part of the
//! team–week graph is absorbed by its teams), but the right-hand side lies in its range, and
//! conjugate gradients started from 0 stay there.
//!
//! Pure: no IO, no clock, no randomness.

use super::lanes::{dot, dot2, sum};
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

/// A dense team × week panel of paired values (module header, "The layout").
#[derive(Debug, Clone, Default)]
pub(crate) struct Panel {
    /// The team index of each row, ascending.
    pub teams: Vec<usize>,
    /// The pairs in each row.
    pub counts: Vec<usize>,
    /// The week index ([`crate::IsoWeek::index`]) of column 0.
    pub first_week: i64,
    /// Columns per row.
    pub n_weeks: usize,
    /// 1.0 where the row's team has a pair in the column's week, 0.0 where not.
    pub present: Vec<f64>,
    /// The EX values, 0.0 where there is no pair.
    pub ex: Vec<f64>,
    /// The CX values, 0.0 where there is no pair.
    pub cx: Vec<f64>,
}

/// A team × week table of one metric's values, NaN where a team has none that week.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    /// The week index of column 0.
    pub first_week: i64,
    /// Columns per row; a row per team of the series.
    pub n_weeks: usize,
    /// Row-major values.
    pub values: Vec<f64>,
}

impl Table {
    /// A table of `n_teams` rows over `n_weeks` weeks from `first_week`, with no values yet.
    pub fn empty(n_teams: usize, first_week: i64, n_weeks: usize) -> Table {
        Table { first_week, n_weeks, values: vec![f64::NAN; n_teams * n_weeks] }
    }

    /// Sets `team`'s value in `week`; weeks outside the table are ignored.
    pub fn set(&mut self, team: usize, week: i64, value: f64) {
        if let Ok(column) = usize::try_from(week - self.first_week)
            && column < self.n_weeks
        {
            self.values[team * self.n_weeks + column] = value;
        }
    }

    fn row(&self, team: usize) -> &[f64] {
        &self.values[team * self.n_weeks..(team + 1) * self.n_weeks]
    }
}

/// Which side of a panel.
#[derive(Debug, Clone, Copy)]
enum Side {
    Ex,
    Cx,
}

impl Panel {
    /// The number of pairs.
    pub fn n(&self) -> usize {
        self.counts.iter().sum()
    }

    fn values(&self, side: Side) -> &[f64] {
        match side {
            Side::Ex => &self.ex,
            Side::Cx => &self.cx,
        }
    }

    /// Clears the panel's teams and gives it `rows` rows of `n_weeks` columns from `first_week`. The
    /// cells are not cleared (only those added are 0): the grid's fills write every cell.
    fn reset(&mut self, rows: usize, first_week: i64, n_weeks: usize) {
        self.teams.clear();
        self.counts.clear();
        self.first_week = first_week;
        self.n_weeks = n_weeks;
        for values in [&mut self.present, &mut self.ex, &mut self.cx] {
            values.resize(rows * n_weeks, 0.0);
        }
    }

    /// The panel of `paired`'s teams with at least `min_pairs` pairs.
    pub fn from_pairs(paired: &[TeamPairs], min_pairs: usize) -> Panel {
        let kept: Vec<&TeamPairs> = paired.iter().filter(|team| team.weeks.len() >= min_pairs).collect();
        let first_week = kept.iter().filter_map(|team| team.weeks.first()).copied().min().unwrap_or(0);
        let last_week = kept.iter().filter_map(|team| team.weeks.last()).copied().max().unwrap_or(-1);
        let n_weeks = usize::try_from(last_week - first_week + 1).unwrap_or(0);
        // A new panel: every cell starts absent.
        let mut panel = Panel::default();
        panel.reset(kept.len(), first_week, n_weeks);
        for (row, team) in kept.iter().enumerate() {
            panel.teams.push(team.team);
            panel.counts.push(team.weeks.len());
            for ((week, ex), cx) in team.weeks.iter().zip(&team.ex).zip(&team.cx) {
                let cell = row * n_weeks + usize::try_from(week - first_week).unwrap_or(0);
                (panel.present[cell], panel.ex[cell], panel.cx[cell]) = (1.0, *ex, *cx);
            }
        }
        panel
    }

    /// Refills the panel with each team's pairs of EX in `ex` at week `w` and CX in `cx` at week
    /// `w + lag`, over the EX table's weeks, keeping the teams with at least `min_pairs` pairs.
    pub fn fill_paired(&mut self, ex: &Table, cx: &Table, lag: i64, min_pairs: usize) {
        let offset = usize::try_from(ex.first_week + lag - cx.first_week).unwrap_or(usize::MAX);
        let n_teams = ex.values.len().checked_div(ex.n_weeks).unwrap_or(0);
        let fits = offset.checked_add(ex.n_weeks).is_some_and(|end| end <= cx.n_weeks);
        let paired_row = |team: usize| -> (&[f64], &[f64]) {
            (ex.row(team), if fits { &cx.row(team)[offset..offset + ex.n_weeks] } else { &[] })
        };
        // First pass: each team's pairs and first and last paired column.
        let mut kept = Vec::new();
        let (mut first, mut last) = (usize::MAX, 0);
        for team in 0..n_teams {
            let (ex_row, cx_row) = paired_row(team);
            let paired = |(x, y): (&f64, &f64)| !x.is_nan() && !y.is_nan();
            let count: usize = ex_row.iter().zip(cx_row).map(|pair| usize::from(paired(pair))).sum();
            if count >= min_pairs.max(1) {
                kept.push((team, count));
                let team_first = ex_row.iter().zip(cx_row).position(paired).unwrap_or(0);
                let team_last = ex_row.iter().zip(cx_row).rposition(paired).unwrap_or(0);
                (first, last) = (first.min(team_first), last.max(team_last));
            }
        }
        let n_weeks = if kept.is_empty() { 0 } else { last - first + 1 };
        self.reset(kept.len(), ex.first_week + first.min(ex.n_weeks) as i64, n_weeks);
        for (row, &(team, count)) in kept.iter().enumerate() {
            self.teams.push(team);
            self.counts.push(count);
            let (ex_row, cx_row) = paired_row(team);
            let cells = row * n_weeks..(row + 1) * n_weeks;
            let columns = first..first + n_weeks;
            for (((present, ex_value), cx_value), (x, y)) in self.present[cells.clone()]
                .iter_mut()
                .zip(&mut self.ex[cells.clone()])
                .zip(&mut self.cx[cells])
                .zip(ex_row[columns.clone()].iter().zip(&cx_row[columns]))
            {
                let paired = mask(!x.is_nan() & !y.is_nan());
                (*present, *ex_value, *cx_value) = (keep(1.0, paired), keep(*x, paired), keep(*y, paired));
            }
        }
    }

    /// Refills `differences` with this panel's first differences (module header of
    /// [`crate::linkage`]): for each team, the change from one paired week to the team's next paired
    /// week when they are at most [`MAX_DIFFERENCE_GAP_WEEKS`] apart, dated at the later week, keeping
    /// the teams with at least `min_pairs` differences.
    pub fn differences_into(&self, differences: &mut Panel, min_pairs: usize) {
        let max_gap = usize::try_from(MAX_DIFFERENCE_GAP_WEEKS).unwrap_or(0);
        let source_weeks = self.n_weeks.max(1);
        let mut earlier = Vec::with_capacity(source_weeks);
        let mut kept = Vec::new();
        let (mut first, mut last) = (usize::MAX, 0);
        for (row, present) in self.present.chunks_exact(source_weeks).enumerate() {
            difference_sources(present, max_gap, &mut earlier);
            let (mut count, mut row_first, mut row_last) = (0, usize::MAX, 0);
            for (column, source) in earlier.iter().enumerate() {
                let differenced = *source != column;
                count += usize::from(differenced);
                row_first = if differenced { row_first.min(column) } else { row_first };
                row_last = if differenced { column } else { row_last };
            }
            if count >= min_pairs.max(1) {
                kept.push((row, count));
                (first, last) = (first.min(row_first), last.max(row_last));
            }
        }
        let n_weeks = if kept.is_empty() { 0 } else { last - first + 1 };
        differences.reset(kept.len(), self.first_week + first.min(self.n_weeks) as i64, n_weeks);
        for (new_row, &(row, count)) in kept.iter().enumerate() {
            differences.teams.push(self.teams[row]);
            differences.counts.push(count);
            let source = row * source_weeks;
            difference_sources(&self.present[source..source + source_weeks], max_gap, &mut earlier);
            // Every cell of the row is written: the difference, or 0 (a value minus itself) where
            // there is none.
            let target = new_row * n_weeks;
            for offset in 0..n_weeks {
                let (column, from) = (first + offset, earlier[first + offset]);
                differences.present[target + offset] = keep(1.0, mask(from != column));
                differences.ex[target + offset] = self.ex[source + column] - self.ex[source + from];
                differences.cx[target + offset] = self.cx[source + column] - self.cx[source + from];
            }
        }
    }

    /// The teams' pairs, team by team (the inverse of [`Panel::from_pairs`]).
    pub fn team_pairs(&self) -> Vec<TeamPairs> {
        (0..self.teams.len())
            .map(|row| {
                let mut pairs =
                    TeamPairs { team: self.teams[row], weeks: Vec::new(), ex: Vec::new(), cx: Vec::new() };
                for column in 0..self.n_weeks {
                    let cell = row * self.n_weeks + column;
                    if self.present[cell] != 0.0 {
                        pairs.weeks.push(self.first_week + column as i64);
                        pairs.ex.push(self.ex[cell]);
                        pairs.cx.push(self.cx[cell]);
                    }
                }
                pairs
            })
            .collect()
    }

    /// The pooled EX and CX values of the pairs, team by team, into the start of `ex` and `cx`;
    /// returns how many (the buffers keep their length, so that their memory is not cleared anew).
    pub fn pooled_into(&self, ex: &mut Vec<f64>, cx: &mut Vec<f64>) -> usize {
        // Every cell is written and the end moves on only past a pair: no branch in the loop.
        let n = self.n();
        for values in [&mut *ex, &mut *cx] {
            if values.len() <= n {
                values.resize(n + 1, 0.0);
            }
        }
        let mut end = 0;
        for ((present, x), y) in self.present.iter().zip(&self.ex).zip(&self.cx) {
            ex[end] = *x;
            cx[end] = *y;
            end += usize::from(*present != 0.0);
        }
        end
    }

    /// Subtracts each team's mean from its values, on both sides (one-way fixed effects). Returns the
    /// parameters absorbed: one per team.
    pub fn demean_teams(&mut self) -> usize {
        let n_weeks = self.n_weeks;
        if n_weeks == 0 {
            return self.teams.len();
        }
        for ((present, values), count) in
            self.present.chunks_exact(n_weeks).zip(self.ex.chunks_exact_mut(n_weeks)).zip(&self.counts)
        {
            subtract_mean(present, values, *count);
        }
        for ((present, values), count) in
            self.present.chunks_exact(n_weeks).zip(self.cx.chunks_exact_mut(n_weeks)).zip(&self.counts)
        {
            subtract_mean(present, values, *count);
        }
        self.teams.len()
    }

    /// Replaces the values by their residuals on team and week effects (module header, "Two-way
    /// fixed effects"). Returns the rank of the absorbed effects, `T + W − C`.
    pub fn demean_teams_and_weeks(&mut self) -> usize {
        self.demean_teams();
        self.remove_week_effects()
    }

    /// The second half of [`Panel::demean_teams_and_weeks`], for a panel whose teams are already
    /// demeaned (the grid computes the team-demeaned figure on the way).
    pub fn remove_week_effects(&mut self) -> usize {
        let n_weeks = self.n_weeks;
        if n_weeks == 0 {
            return 0;
        }
        let mut week_counts = vec![0.0; n_weeks];
        for present in self.present.chunks_exact(n_weeks) {
            week_counts.iter_mut().zip(present).for_each(|(count, p)| *count += p);
        }
        let week_effects = self.week_effects(&week_counts);
        for (side, effects) in [Side::Ex, Side::Cx].into_iter().zip(&week_effects) {
            let values = match side {
                Side::Ex => &mut self.ex,
                Side::Cx => &mut self.cx,
            };
            for ((present, row), count) in
                self.present.chunks_exact(n_weeks).zip(values.chunks_exact_mut(n_weeks)).zip(&self.counts)
            {
                for ((value, p), effect) in row.iter_mut().zip(present).zip(effects) {
                    *value = (*value - effect) * p;
                }
                subtract_mean(present, row, *count);
            }
        }
        let present_weeks = week_counts.iter().filter(|count| **count > 0.0).count();
        (self.teams.len() + present_weeks).saturating_sub(self.connected_components(present_weeks))
    }

    /// The week effects `b` of both sides of a team-demeaned panel: the solutions of `S b = N′x̃` by
    /// conjugate gradients preconditioned by the pairs per week, both sides in step so that each
    /// sweep over the panel serves both.
    fn week_effects(&self, week_counts: &[f64]) -> [Vec<f64>; 2] {
        let n_weeks = self.n_weeks;
        let inverse_counts: Vec<f64> =
            week_counts.iter().map(|count| if *count > 0.0 { 1.0 / count } else { 0.0 }).collect();
        let mut states = [Side::Ex, Side::Cx].map(|side| {
            let values = self.values(side);
            let mut right_hand_side = vec![0.0; n_weeks];
            for row in values.chunks_exact(n_weeks) {
                right_hand_side.iter_mut().zip(row).for_each(|(sum, value)| *sum += value);
            }
            // Converged once the preconditioned residual norm is 1e-14 of the values' norm: the
            // residuals' relative error is then at most that over the smallest nonzero eigenvalue
            // of the preconditioned system, far below the 1e-9 the figures are checked to unless
            // the team–week graph barely holds together.
            let tolerance = 1e-14 * dot(values, values).sqrt();
            ConjugateGradient::start(right_hand_side, &inverse_counts, tolerance)
        });
        let mut products = [vec![0.0; n_weeks], vec![0.0; n_weeks]];
        // At most n_weeks steps in exact arithmetic; rounding may ask for a few more.
        for _ in 0..10 * n_weeks + 100 {
            if states.iter().all(|state| state.done) {
                break;
            }
            self.apply_week_system(week_counts, &states, &mut products);
            for (state, product) in states.iter_mut().zip(&products) {
                if !state.done {
                    state.step(product, &inverse_counts);
                }
            }
        }
        states.map(|state| state.solution)
    }

    /// `S p` for each side's search direction `p` that is still moving: `D_W p − N′ D_T⁻¹ N p`.
    fn apply_week_system(
        &self,
        week_counts: &[f64],
        states: &[ConjugateGradient; 2],
        products: &mut [Vec<f64>; 2],
    ) {
        let n_weeks = self.n_weeks;
        for (product, state) in products.iter_mut().zip(states) {
            if !state.done {
                product.iter_mut().zip(week_counts).zip(&state.direction).for_each(|((q, c), p)| *q = c * p);
            }
        }
        let [ex_state, cx_state] = states;
        let [ex_product, cx_product] = products;
        for (present, count) in self.present.chunks_exact(n_weeks).zip(&self.counts) {
            let inverse_count = 1.0 / *count as f64;
            if !ex_state.done && !cx_state.done {
                // Both sides from one read of the row.
                let (ex_sum, cx_sum) = dot2(present, &ex_state.direction, &cx_state.direction);
                let (ex_sum, cx_sum) = (ex_sum * inverse_count, cx_sum * inverse_count);
                for ((ex_q, cx_q), p) in ex_product.iter_mut().zip(cx_product.iter_mut()).zip(present) {
                    *ex_q -= p * ex_sum;
                    *cx_q -= p * cx_sum;
                }
                continue;
            }
            if !ex_state.done {
                let team_sum = dot(present, &ex_state.direction) * inverse_count;
                ex_product.iter_mut().zip(present).for_each(|(q, p)| *q -= p * team_sum);
            }
            if !cx_state.done {
                let team_sum = dot(present, &cx_state.direction) * inverse_count;
                cx_product.iter_mut().zip(present).for_each(|(q, p)| *q -= p * team_sum);
            }
        }
    }

    /// Connected components of the team–week graph (a node per team and per week with a pair, an
    /// edge per pair), by union–find over the weeks: a team joins all its weeks. Every row has a
    /// pair, so each team lies in the component of its weeks.
    fn connected_components(&self, present_weeks: usize) -> usize {
        let n_weeks = self.n_weeks;
        let mut parent: Vec<usize> = (0..n_weeks).collect();
        fn root(parent: &mut [usize], mut node: usize) -> usize {
            while parent[node] != node {
                parent[node] = parent[parent[node]];
                node = parent[node];
            }
            node
        }
        let mut components = present_weeks;
        for present in self.present.chunks_exact(n_weeks) {
            if components <= 1 {
                break;
            }
            let mut columns =
                present.iter().enumerate().filter(|(_, p)| **p != 0.0).map(|(column, _)| column);
            let Some(first) = columns.next() else { continue };
            for column in columns {
                let (a, b) = (root(&mut parent, first), root(&mut parent, column));
                if a != b {
                    parent[b] = a;
                    components -= 1;
                }
            }
        }
        components
    }
}

/// One side's preconditioned conjugate-gradient state for `S b = r` (module header).
struct ConjugateGradient {
    solution: Vec<f64>,
    residual: Vec<f64>,
    direction: Vec<f64>,
    /// `r′ D_W⁻¹ r` of the current residual.
    residual_norm_squared: f64,
    tolerance_squared: f64,
    done: bool,
}

impl ConjugateGradient {
    fn start(right_hand_side: Vec<f64>, inverse_counts: &[f64], tolerance: f64) -> ConjugateGradient {
        let direction: Vec<f64> = right_hand_side.iter().zip(inverse_counts).map(|(r, d)| r * d).collect();
        let residual_norm_squared = dot(&right_hand_side, &direction);
        let tolerance_squared = tolerance * tolerance;
        ConjugateGradient {
            solution: vec![0.0; right_hand_side.len()],
            residual: right_hand_side,
            direction,
            residual_norm_squared,
            tolerance_squared,
            done: residual_norm_squared <= tolerance_squared,
        }
    }

    /// One step, given `S p` for the current direction `p`.
    fn step(&mut self, product: &[f64], inverse_counts: &[f64]) {
        let curvature = dot(&self.direction, product);
        if curvature <= 0.0 {
            self.done = true;
            return;
        }
        let step = self.residual_norm_squared / curvature;
        self.solution.iter_mut().zip(&self.direction).for_each(|(b, p)| *b += step * p);
        self.residual.iter_mut().zip(product).for_each(|(r, q)| *r -= step * q);
        let norm_squared: f64 = self.residual.iter().zip(inverse_counts).map(|(r, d)| r * r * d).sum();
        if norm_squared <= self.tolerance_squared {
            self.done = true;
            return;
        }
        let beta = norm_squared / self.residual_norm_squared;
        self.residual_norm_squared = norm_squared;
        for ((p, r), d) in self.direction.iter_mut().zip(&self.residual).zip(inverse_counts) {
            *p = r * d + beta * *p;
        }
    }
}

/// For each column of a row with pairs in the `present` columns, the column its first difference is
/// taken from (the row's previous pair, when that is at most `max_gap` weeks earlier), or the column
/// itself when it has no difference; into `earlier`.
fn difference_sources(present: &[f64], max_gap: usize, earlier: &mut Vec<usize>) {
    earlier.resize(present.len(), 0);
    // The last pair's column, as if there had been one far enough back to never count. The
    // choices are made with masks, not branches: whether a week has a pair is as good as random.
    let mut previous = 0usize.wrapping_sub(max_gap + 1);
    for (column, (p, source)) in present.iter().zip(earlier.iter_mut()).enumerate() {
        let paired = 0usize.wrapping_sub(usize::from(*p != 0.0));
        let near = 0usize.wrapping_sub(usize::from(column.wrapping_sub(previous) <= max_gap));
        let differenced = paired & near;
        *source = (previous & differenced) | (column & !differenced);
        previous = (column & paired) | (previous & !paired);
    }
}

/// All ones when `condition` holds, else all zeros: for choices that must not be branches (whether a
/// week has a pair is as good as random, and a mispredicted branch costs more than the work).
fn mask(condition: bool) -> u64 {
    0u64.wrapping_sub(u64::from(condition))
}

/// `value` where `mask` is all ones, 0.0 where it is all zeros.
fn keep(value: f64, mask: u64) -> f64 {
    f64::from_bits(value.to_bits() & mask)
}

/// Subtracts the mean of a row's `count` pairs from them (absent weeks stay 0).
fn subtract_mean(present: &[f64], values: &mut [f64], count: usize) {
    if count == 0 {
        return;
    }
    let mean = sum(values) / count as f64;
    values.iter_mut().zip(present).for_each(|(value, p)| *value -= mean * p);
}

/// Transformed values of a panel and the number of parameters the transform estimated from them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Residuals {
    /// The residual values of the kept teams.
    pub panel: Panel,
    /// The rank of the absorbed effects: `T` for team means, `T + W − C` for team and week effects
    /// (`W` distinct weeks, `C` connected components of the team–week graph).
    pub absorbed: usize,
}

impl Residuals {
    /// The number of residual pairs.
    pub fn n(&self) -> usize {
        self.panel.n()
    }

    /// The pooled residual EX and CX values, team by team.
    pub fn pooled(&self) -> (Vec<f64>, Vec<f64>) {
        let (mut ex, mut cx) = (Vec::new(), Vec::new());
        let n = self.panel.pooled_into(&mut ex, &mut cx);
        ex.truncate(n);
        cx.truncate(n);
        (ex, cx)
    }
}

/// Each team's values minus that team's means (one-way fixed effects), for teams with two or more
/// pairs (a team with one carries no within-team information). The grid demeans its panels in place.
#[cfg(test)]
pub(crate) fn team_demeaned(paired: &[TeamPairs]) -> Residuals {
    let mut panel = Panel::from_pairs(paired, 2);
    let absorbed = panel.demean_teams();
    Residuals { panel, absorbed }
}

/// The residuals of two-way fixed effects (module header), for EX and CX separately (week = the
/// pair's EX week, the CX week being a fixed `lag` later), for teams with two or more pairs.
pub(crate) fn two_way(paired: &[TeamPairs]) -> Residuals {
    let mut panel = Panel::from_pairs(paired, 2);
    let absorbed = panel.demean_teams_and_weeks();
    Residuals { panel, absorbed }
}

/// First differences (see [`Panel::differences_into`]), for teams with at least one.
#[cfg(test)]
pub(crate) fn first_differences(paired: &[TeamPairs]) -> Vec<TeamPairs> {
    let mut differences = Panel::default();
    Panel::from_pairs(paired, 1).differences_into(&mut differences, 1);
    differences.team_pairs()
}

/// The effective sample size of the pooled correlation of `residuals` (formula in the module header
/// of [`crate::linkage`]): `m = n − absorbed + 1`, then Bartlett's correction with the autocorrelation
/// cutoff `K = min(MAX_AUTOCORRELATION_LAG_WEEKS, ⌊longest span in weeks / 4⌋)`.
pub(crate) fn effective_size(residuals: &Residuals) -> f64 {
    let panel = &residuals.panel;
    let n = panel.n();
    let m = (n + 1).saturating_sub(residuals.absorbed) as f64;
    let longest_span = if panel.n_weeks == 0 {
        0
    } else {
        panel
            .present
            .chunks_exact(panel.n_weeks)
            .filter_map(|present| {
                let first = present.iter().position(|p| *p != 0.0)?;
                let last = present.iter().rposition(|p| *p != 0.0)?;
                Some(last - first + 1)
            })
            .max()
            .unwrap_or(0)
    };
    let cutoff = MAX_AUTOCORRELATION_LAG_WEEKS.min(longest_span / 4);
    let lagged_sum = autocorrelation_product_sum(panel, cutoff);
    let denominator = 1.0 + 2.0 * lagged_sum;
    let n_effective = if denominator > 0.0 { m / denominator } else { m };
    n_effective.clamp(3.0_f64.min(m), m)
}

/// `Σ_{k=1..cutoff} r_x(k) · r_y(k)`, each autocorrelation pooled over teams over pairs of weeks
/// exactly `k` calendar weeks apart: `r_x(k) = Σ_t Σ_w x_tw · x_t,w+k / Σ_t Σ_w x_tw²`. A week
/// without a pair holds 0 and adds 0 to the sums, as if it were skipped.
pub(crate) fn autocorrelation_product_sum(panel: &Panel, cutoff: usize) -> f64 {
    let (ex_squares, cx_squares) = (dot(&panel.ex, &panel.ex), dot(&panel.cx, &panel.cx));
    if ex_squares <= 0.0 || cx_squares <= 0.0 || panel.n_weeks == 0 {
        return 0.0;
    }
    let lagged_products = |values: &[f64]| -> [f64; MAX_AUTOCORRELATION_LAG_WEEKS] {
        let mut sums = [0.0; MAX_AUTOCORRELATION_LAG_WEEKS];
        for row in values.chunks_exact(panel.n_weeks) {
            add_lagged_products(row, &mut sums);
        }
        sums
    };
    let (ex_products, cx_products) = (lagged_products(&panel.ex), lagged_products(&panel.cx));
    (0..cutoff).map(|lag| (ex_products[lag] / ex_squares) * (cx_products[lag] / cx_squares)).sum()
}

/// Adds `Σ_w x_w · x_{w+k}` of one row to `sums[k − 1]`, for every `k` up to
/// [`MAX_AUTOCORRELATION_LAG_WEEKS`]: each value is multiplied by the next ones in one step, so
/// a row is read once for all lags and the products of one step go into separate sums.
fn add_lagged_products(row: &[f64], sums: &mut [f64; MAX_AUTOCORRELATION_LAG_WEEKS]) {
    const LAGS: usize = MAX_AUTOCORRELATION_LAG_WEEKS;
    // Two weeks per step, into two sets of sums, so that an addition need not wait for the last.
    let full_pairs = row.len().saturating_sub(LAGS + 1) / 2;
    let (mut even, mut odd) = ([0.0; LAGS], [0.0; LAGS]);
    for pair in 0..full_pairs {
        let week = 2 * pair;
        let (first, second) = (row[week], row[week + 1]);
        let (first_later, second_later) = (&row[week + 1..week + 1 + LAGS], &row[week + 2..week + 2 + LAGS]);
        for lag in 0..LAGS {
            even[lag] += first * first_later[lag];
            odd[lag] += second * second_later[lag];
        }
    }
    // The last weeks have fewer weeks after them.
    for week in 2 * full_pairs..row.len() {
        for (lag, later) in row[week + 1..].iter().take(LAGS).enumerate() {
            even[lag] += row[week] * later;
        }
    }
    for ((sum, even), odd) in sums.iter_mut().zip(even).zip(odd) {
        *sum += even + odd;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The autocorrelation sums as the module header of [`crate::linkage`] defines them, team by
    /// team over pairs of weeks exactly `k` apart, looked up week by week.
    fn lagged_sum_by_definition(teams: &[TeamPairs], cutoff: usize) -> f64 {
        type Side = fn(&TeamPairs) -> &[f64];
        let squares =
            |side: Side| -> f64 { teams.iter().flat_map(|team| side(team).iter()).map(|v| v * v).sum() };
        let products = |side: Side, lag: i64| -> f64 {
            let mut total = 0.0;
            for team in teams {
                for (i, week) in team.weeks.iter().enumerate() {
                    if let Some(j) = team.weeks.iter().position(|later| *later == week + lag) {
                        total += side(team)[i] * side(team)[j];
                    }
                }
            }
            total
        };
        let (ex, cx): (Side, Side) = (|t| &t.ex, |t| &t.cx);
        (1..=cutoff as i64)
            .map(|lag| (products(ex, lag) / squares(ex)) * (products(cx, lag) / squares(cx)))
            .sum()
    }

    #[test]
    fn lagged_products_of_the_dense_rows_are_those_of_the_definition() {
        let mut random = crate::splitmix::SplitMix64::new(17);
        // Teams with gaps, rows shorter and longer than the ten lags, and one week alone.
        let teams: Vec<TeamPairs> = [3usize, 9, 10, 11, 12, 40, 157]
            .iter()
            .enumerate()
            .map(|(team, span)| {
                let weeks: Vec<i64> = (0..*span as i64)
                    .filter(|_| random.uniform() < 0.75)
                    .map(|week| week + 2 * team as i64)
                    .collect();
                let ex = weeks.iter().map(|_| random.uniform() - 0.5).collect();
                let cx = weeks.iter().map(|_| random.uniform() - 0.5).collect();
                TeamPairs { team, weeks, ex, cx }
            })
            .collect();
        let panel = Panel::from_pairs(&teams, 1);
        for cutoff in [0, 1, 4, 10] {
            let expected = lagged_sum_by_definition(&teams, cutoff);
            let actual = autocorrelation_product_sum(&panel, cutoff);
            assert!((actual - expected).abs() <= 1e-14, "cutoff {cutoff}: {actual} vs {expected}");
        }
    }

    #[test]
    fn two_way_residuals_are_orthogonal_to_every_team_and_week() {
        // An unbalanced panel with strong team and week effects: the residuals must sum to 0 within
        // every team and every week (the normal equations of the least-squares fit).
        let mut random = crate::splitmix::SplitMix64::new(23);
        let week_effects: Vec<f64> = (0..30).map(|_| 10.0 * random.uniform()).collect();
        let teams: Vec<TeamPairs> = (0..25)
            .map(|team| {
                let level = 50.0 * random.uniform();
                let weeks: Vec<i64> = (0..30).filter(|_| random.uniform() < 0.6).collect();
                let ex = weeks.iter().map(|w| level + week_effects[*w as usize] + random.uniform()).collect();
                let cx = weeks
                    .iter()
                    .map(|w| -level + 2.0 * week_effects[*w as usize] + random.uniform())
                    .collect();
                TeamPairs { team, weeks, ex, cx }
            })
            .collect();
        let residuals = two_way(&teams).panel.team_pairs();
        for side in [|t: &TeamPairs| t.ex.clone(), |t: &TeamPairs| t.cx.clone()] {
            for team in &residuals {
                assert!(side(team).iter().sum::<f64>().abs() <= 1e-11, "team {}", team.team);
            }
            for week in 0..30 {
                let total: f64 = residuals
                    .iter()
                    .flat_map(|team| {
                        team.weeks.iter().zip(side(team)).filter(|(w, _)| **w == week).map(|(_, v)| v)
                    })
                    .sum();
                assert!(total.abs() <= 1e-11, "week {week}: {total}");
            }
        }
    }
}
