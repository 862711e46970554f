//! General statistics used by the EX–CX linkage ([`crate::linkage`]) and any later analysis:
//! Pearson and Spearman coefficients, Fisher-z intervals at any confidence, Student's t p-values,
//! Benjamini–Hochberg adjustment, the Benjamini–Yekutieli false-coverage level, and the power of a
//! correlation test. Kept apart from the linkage so that each function is written once and tested
//! against its textbook definition here (issue 18).
//!
//! The normal distribution comes from `statrs` (its quantile agrees with scipy to about 1e-15, its
//! distribution function to about 5e-12). Student's t keeps the incomplete beta function written
//! here: at hundreds of thousands of degrees of freedom `statrs`' `ln Γ(a + b) − ln Γ(a) − ln Γ(b)`
//! loses digits to cancellation that the Stirling route below avoids, and the unit tests hold it to
//! 1e-12 against scipy.
//!
//! Pure: no IO, no clock, no randomness.

use statrs::distribution::{ContinuousCDF, Normal};

/// The 97.5th percentile of the standard normal distribution, for 95% intervals.
pub const NORMAL_QUANTILE_975: f64 = 1.959_963_984_540_054;

/// The standard normal quantile `Φ⁻¹(p)` for `0 < p < 1` (statrs).
pub fn normal_quantile(p: f64) -> f64 {
    standard_normal().inverse_cdf(p)
}

/// The standard normal distribution function `Φ(x)` (statrs).
pub fn normal_cdf(x: f64) -> f64 {
    standard_normal().cdf(x)
}

fn standard_normal() -> Normal {
    // Mean 0 and standard deviation 1 are always valid parameters.
    Normal::standard()
}

/// Fisher's z statistic of a correlation, `atanh(r) · √(n_eff − 3)`: how many standard errors `r` is
/// from 0 on the z scale. Its absolute value is the "evidence" the linkage ranks cells by (Fisher,
/// 1921); 0 when `n_eff ≤ 3`.
pub fn fisher_z_statistic(r: f64, n_effective: f64) -> f64 {
    if n_effective <= 3.0 {
        return 0.0;
    }
    r.clamp(-1.0, 1.0).atanh() * (n_effective - 3.0).sqrt()
}

/// The Fisher-z interval at any `confidence` (0.95 for 95%):
/// `tanh(atanh(r) ± Φ⁻¹(1 − (1 − confidence)/2) / √(n − 3))`; (−1, 1) when `n ≤ 3`.
pub fn fisher_z_interval_at(r: f64, n_effective: f64, confidence: f64) -> (f64, f64) {
    if n_effective <= 3.0 || !(0.0..1.0).contains(&confidence) {
        return (-1.0, 1.0);
    }
    let z = r.atanh();
    let half_width = normal_quantile(1.0 - (1.0 - confidence) / 2.0) / (n_effective - 3.0).sqrt();
    ((z - half_width).tanh(), (z + half_width).tanh())
}

/// The confidence level of false-coverage-rate adjusted intervals (Benjamini and Yekutieli, 2005,
/// "False discovery rate–adjusted multiple confidence intervals for selected parameters", JASA 100):
/// when `selected` of `tests` parameters were selected by Benjamini–Hochberg at level `q`, marginal
/// intervals at `1 − selected · q / tests` for the selected ones keep the expected share of selected
/// intervals that miss their parameter at most `q`. With nothing selected, `1 − q`.
pub fn false_coverage_confidence(selected: usize, tests: usize, q: f64) -> f64 {
    if tests == 0 {
        return 1.0 - q;
    }
    1.0 - selected.max(1) as f64 * q / tests as f64
}

/// The power of the two-sided test of "no correlation" at level `alpha` with `n` independent pairs
/// when the true correlation is `rho`, by Fisher's z approximation:
/// `Φ(|atanh ρ|·√(n − 3) − z) + Φ(−|atanh ρ|·√(n − 3) − z)` with `z = Φ⁻¹(1 − alpha/2)`
/// (Cohen, 1988, ch. 3). 0 when `n ≤ 3`.
pub fn correlation_power(rho: f64, n: f64, alpha: f64) -> f64 {
    if n <= 3.0 {
        return 0.0;
    }
    let shift = rho.abs().min(1.0 - 1e-15).atanh() * (n - 3.0).sqrt();
    let z = normal_quantile(1.0 - alpha / 2.0);
    normal_cdf(shift - z) + normal_cdf(-shift - z)
}

/// The smallest number of independent pairs at which [`correlation_power`] reaches `power` for a true
/// correlation `rho` at level `alpha`: `⌈((z_(1−α/2) + z_power) / atanh ρ)² + 3⌉`, the usual
/// one-tail approximation (the other tail adds less than 1e-3 of power).
pub fn sample_size_for_power(rho: f64, power: f64, alpha: f64) -> usize {
    let effect = rho.abs().min(1.0 - 1e-15).atanh();
    if effect <= 0.0 {
        return usize::MAX;
    }
    let needed = ((normal_quantile(1.0 - alpha / 2.0) + normal_quantile(power)) / effect).powi(2) + 3.0;
    needed.ceil() as usize
}

/// The Fisher-z 95% interval: `tanh(atanh(r) ± z_0.975 / √(n − 3))`; (−1, 1) when `n ≤ 3`.
pub fn fisher_z_interval(r: f64, n_effective: f64) -> (f64, f64) {
    if n_effective <= 3.0 {
        return (-1.0, 1.0);
    }
    let z = r.atanh();
    let half_width = NORMAL_QUANTILE_975 / (n_effective - 3.0).sqrt();
    ((z - half_width).tanh(), (z + half_width).tanh())
}

/// Two-sided p-value of a correlation `r` against 0, from Student's t with `n − 2` degrees of freedom
/// (`n` need not be whole). 1 when `n ≤ 2`.
pub fn correlation_p_value(r: f64, n_effective: f64) -> f64 {
    let degrees_of_freedom = n_effective - 2.0;
    if degrees_of_freedom <= 0.0 || r.is_nan() {
        return 1.0;
    }
    let r_squared = (r * r).min(1.0);
    // With t² = df · r² / (1 − r²): df / (df + t²) = 1 − r², and P(|T| ≥ |t|) = I_{1−r²}(df/2, 1/2).
    regularized_incomplete_beta(degrees_of_freedom / 2.0, 0.5, 1.0 - r_squared, r_squared)
}

/// Two-sided p-value of Student's t statistic `t` with `degrees_of_freedom` (> 0, need not be whole).
pub fn students_t_two_sided_p(t: f64, degrees_of_freedom: f64) -> f64 {
    if t.is_nan() || degrees_of_freedom <= 0.0 {
        return 1.0;
    }
    if t.is_infinite() {
        return 0.0;
    }
    let t_squared = t * t;
    let x = degrees_of_freedom / (degrees_of_freedom + t_squared);
    let y = t_squared / (degrees_of_freedom + t_squared);
    regularized_incomplete_beta(degrees_of_freedom / 2.0, 0.5, x, y)
}

/// The two-sided quantile of Student's t: the `t ≥ 0` with `P(|T| ≥ t) = 1 − confidence` for
/// `degrees_of_freedom` (> 0, need not be whole), so `± t` bounds a `confidence` interval (2.262 for
/// 95% with 9 degrees of freedom); `None` when `confidence` is not within (0, 1) or
/// `degrees_of_freedom` is not positive.
///
/// Newton's method on [`students_t_two_sided_p`] to 1e-12 of the quantile, started from the
/// Cornish–Fisher expansion of the quantile in `1/ν` (Abramowitz and Stegun 26.7.5), which is within
/// 1e-3 of it from five degrees of freedom on and 1e-5 from thirty, so one to three steps (each a
/// continued fraction) suffice: a heatmap of 5,000 teams asks for some 75,000 quantiles. Every step is kept inside a
/// bracket of the quantile that it narrows; a step that would leave it bisects (or doubles, while
/// the bracket has no upper end) instead, so a poor start costs steps, never the answer.
pub fn students_t_quantile_two_sided(confidence: f64, degrees_of_freedom: f64) -> Option<f64> {
    // NaN fails every comparison, so it is refused too.
    let valid = confidence > 0.0 && confidence < 1.0 && degrees_of_freedom > 0.0;
    if !valid {
        return None;
    }
    let alpha = 1.0 - confidence;
    let z = normal_quantile(1.0 - alpha / 2.0);
    let start = cornish_fisher_t(z, degrees_of_freedom);
    let mut t = if start.is_finite() && start > 0.0 { start } else { z.max(1.0) };
    // P(|T| ≥ t) − α falls as t grows; its slope is −2·f(t), f the density.
    let log_scale = -0.5 * degrees_of_freedom.ln() - log_beta(degrees_of_freedom / 2.0, 0.5);
    let two_sided_density = |t: f64| {
        2.0 * (log_scale - (degrees_of_freedom + 1.0) / 2.0 * (t * t / degrees_of_freedom).ln_1p()).exp()
    };
    let (mut low, mut high) = (0.0_f64, f64::INFINITY);
    for _ in 0..400 {
        let excess = students_t_two_sided_p(t, degrees_of_freedom) - alpha;
        if excess == 0.0 {
            return Some(t);
        }
        if excess > 0.0 {
            low = t;
        } else {
            high = t;
        }
        let newton = t + excess / two_sided_density(t);
        if newton > low && newton < high {
            // Newton converges quadratically: a step below 1e-7 of t leaves t within
            // about 1e-12 of it (the test below holds it to bisection at that).
            if (newton - t).abs() <= 1e-7 * t {
                return Some(newton);
            }
            t = newton;
            continue;
        }
        let next = if high.is_finite() { 0.5 * (low + high) } else { 2.0 * t };
        if !next.is_finite() {
            return None;
        }
        if next <= low || next >= high {
            return Some(next);
        }
        t = next;
    }
    Some(t)
}

/// The Cornish–Fisher expansion of Student's t quantile in powers of `1/ν` about the normal
/// quantile `z` of the same probability (Abramowitz and Stegun 26.7.5, four terms): a start for
/// Newton's method, poor below a few degrees of freedom.
fn cornish_fisher_t(z: f64, degrees_of_freedom: f64) -> f64 {
    let z2 = z * z;
    let g1 = (z2 + 1.0) * z / 4.0;
    let g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0;
    let g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0;
    let g4 = ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) * z / 92160.0;
    let v = 1.0 / degrees_of_freedom;
    z + v * (g1 + v * (g2 + v * (g3 + v * g4)))
}

/// Benjamini–Hochberg adjusted p-values, in the input's order: sort ascending, `p_(i) · m / i`, then a
/// running minimum from the largest down, capped at 1 (as R's `p.adjust(method = "BH")`).
pub fn benjamini_hochberg(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]));
    let mut adjusted = vec![0.0; m];
    let mut running_min = f64::INFINITY;
    for (position, &index) in order.iter().enumerate().rev() {
        let scaled = p_values[index] * (m as f64 / (position + 1) as f64);
        running_min = running_min.min(scaled);
        adjusted[index] = running_min.min(1.0);
    }
    adjusted
}

/// Pearson's r, or `None` when either side does not vary or there are fewer than two values.
pub fn pearson(xs: &[f64], ys: &[f64]) -> Option<f64> {
    if xs.len() != ys.len() || xs.len() < 2 {
        return None;
    }
    let (x_mean, y_mean) = (mean(xs), mean(ys));
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for (x, y) in xs.iter().zip(ys) {
        let (dx, dy) = (x - x_mean, y - y_mean);
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
    }
    if sxx <= 0.0 || syy <= 0.0 {
        return None;
    }
    Some((sxy / (sxx.sqrt() * syy.sqrt())).clamp(-1.0, 1.0))
}

/// Spearman's ρ: Pearson's r on average ranks.
pub fn spearman(xs: &[f64], ys: &[f64]) -> Option<f64> {
    pearson(&average_ranks(xs), &average_ranks(ys))
}

/// Ranks from 1, ties sharing the average of their ranks.
pub fn average_ranks(values: &[f64]) -> Vec<f64> {
    // Values sorted beside their positions (not positions sorted by looking values up, which is about
    // twice as slow on large inputs); the order among ties does not matter, they share one rank.
    let mut order: Vec<(f64, usize)> = values.iter().copied().zip(0..).collect();
    order.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && order[end].0 == order[start].0 {
            end += 1;
        }
        // Positions start..end (0-based) share ranks start+1..=end, whose average is (start + 1 + end) / 2.
        let average = (start + 1 + end) as f64 / 2.0;
        for &(_, index) in &order[start..end] {
            ranks[index] = average;
        }
        start = end;
    }
    ranks
}

/// The OLS line of `ys` on `xs` as `(slope, intercept)`, or `None` with fewer than two points or no
/// variation in `xs`.
pub fn ordinary_least_squares(xs: &[f64], ys: &[f64]) -> Option<(f64, f64)> {
    if xs.len() < 2 || xs.len() != ys.len() {
        return None;
    }
    let (x_mean, y_mean) = (mean(xs), mean(ys));
    let (mut sxx, mut sxy) = (0.0, 0.0);
    for (x, y) in xs.iter().zip(ys) {
        sxx += (x - x_mean) * (x - x_mean);
        sxy += (x - x_mean) * (y - y_mean);
    }
    if sxx <= 0.0 {
        return None;
    }
    let slope = sxy / sxx;
    Some((slope, y_mean - slope * x_mean))
}

/// The arithmetic mean (NaN for no values).
pub fn mean(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    values.iter().sum::<f64>() / n
}

/// The values minus their mean.
pub fn demean(values: &[f64]) -> Vec<f64> {
    let average = mean(values);
    values.iter().map(|value| value - average).collect()
}

/// The regularized incomplete beta function `I_x(a, b)`, with `y = 1 − x` passed in so that callers
/// who know `1 − x` exactly (such as `r²`) lose no precision to the subtraction.
///
/// Numerical Recipes (3rd ed., §6.4): the continued fraction converges fast for
/// `x < (a + 1) / (a + b + 2)`; otherwise the symmetry `I_x(a, b) = 1 − I_{1−x}(b, a)` is used.
/// Checked against mpmath at 40 digits for Student's t: absolute error below 1e-15 up to 1 000
/// degrees of freedom, below 1e-12 up to 10⁶ (the error grows slowly with the degrees of freedom).
fn regularized_incomplete_beta(a: f64, b: f64, x: f64, y: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if y <= 0.0 {
        return 1.0;
    }
    // ln x and ln y from whichever of the two is known without cancellation.
    let ln_x = if x > 0.5 { (-y).ln_1p() } else { x.ln() };
    let ln_y = if y > 0.5 { (-x).ln_1p() } else { y.ln() };
    let log_front = a * ln_x + b * ln_y - log_beta(a, b);
    if x < (a + 1.0) / (a + b + 2.0) {
        log_front.exp() * beta_continued_fraction(a, b, x) / a
    } else {
        1.0 - log_front.exp() * beta_continued_fraction(b, a, y) / b
    }
}

/// The continued fraction of the incomplete beta function, by the modified Lentz method.
fn beta_continued_fraction(a: f64, b: f64, x: f64) -> f64 {
    const EPSILON: f64 = 1e-16;
    const MAX_ITERATIONS: u32 = 10_000;
    let (a_plus_b, a_plus_1, a_minus_1) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / away_from_zero(1.0 - a_plus_b * x / a_plus_1);
    let mut h = d;
    for m in 1..=MAX_ITERATIONS {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        // The even step, then the odd one.
        h *= lentz_step(m * (b - m) * x / ((a_minus_1 + m2) * (a + m2)), &mut c, &mut d);
        let delta = lentz_step(-(a + m) * (a_plus_b + m) * x / ((a + m2) * (a_plus_1 + m2)), &mut c, &mut d);
        h *= delta;
        if (delta - 1.0).abs() < EPSILON {
            break;
        }
    }
    h
}

/// One step of the modified Lentz method with coefficient `aa`: updates `c`
/// and `d` and returns the factor the fraction's value is multiplied by.
fn lentz_step(aa: f64, c: &mut f64, d: &mut f64) -> f64 {
    *d = 1.0 / away_from_zero(1.0 + aa * *d);
    *c = away_from_zero(1.0 + aa / *c);
    *d * *c
}

/// `value`, or a tiny number in its place when it is about zero (Lentz's guard against dividing by zero).
fn away_from_zero(value: f64) -> f64 {
    const TINY: f64 = 1e-300;
    if value.abs() < TINY { TINY } else { value }
}

/// `ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b)`.
///
/// When the larger argument is big, `ln Γ(big) − ln Γ(big + small)` is a difference of two large
/// numbers; it is then taken from Stirling's series directly, without the cancellation.
fn log_beta(a: f64, b: f64) -> f64 {
    let (small, big) = if a < b { (a, b) } else { (b, a) };
    if big < 15.0 {
        return log_gamma(a) + log_gamma(b) - log_gamma(a + b);
    }
    let sum = big + small;
    // ln Γ(x) = (x − ½) ln x − x + ½ ln 2π + c(x), so
    // ln Γ(big) − ln Γ(sum) = −(big − ½) ln(1 + small/big) − small · ln(sum) + small + c(big) − c(sum).
    let difference =
        -(big - 0.5) * (small / big).ln_1p() - small * sum.ln() + small + stirling_correction(big)
            - stirling_correction(sum);
    log_gamma(small) + difference
}

/// `c(x) = ln Γ(x) − ((x − ½) ln x − x + ½ ln 2π)`, by its asymptotic series; for `x ≥ 15` the
/// error is below 1e-16.
fn stirling_correction(x: f64) -> f64 {
    let inverse = 1.0 / x;
    let inverse_squared = inverse * inverse;
    inverse
        * (1.0 / 12.0
            - inverse_squared
                * (1.0 / 360.0
                    - inverse_squared
                        * (1.0 / 1260.0 - inverse_squared * (1.0 / 1680.0 - inverse_squared / 1188.0))))
}

/// `ln Γ(x)` for `x > 0`: the Lanczos approximation (g = 7, nine coefficients; relative error about
/// 1e-15), with the reflection formula below 0.5.
fn log_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const COEFFICIENTS: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Γ(x) Γ(1 − x) = π / sin(πx).
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).abs().ln() - log_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = COEFFICIENTS[0];
    for (i, coefficient) in COEFFICIENTS.iter().enumerate().skip(1) {
        let i = i as f64;
        sum += coefficient / (x + i);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Newton's quantile is bisection's to the last digits, from a fifth of a degree of freedom to
    /// a hundred thousand, at confidences from 50% to 99.9%.
    #[test]
    fn students_t_quantile_by_newton_is_bisections() {
        let bisection = |confidence: f64, degrees_of_freedom: f64| {
            let alpha = 1.0 - confidence;
            let (mut low, mut high) = (0.0_f64, 1.0_f64);
            while students_t_two_sided_p(high, degrees_of_freedom) > alpha {
                low = high;
                high *= 2.0;
            }
            for _ in 0..200 {
                let middle = 0.5 * (low + high);
                if middle <= low || middle >= high {
                    break;
                }
                if students_t_two_sided_p(middle, degrees_of_freedom) > alpha {
                    low = middle;
                } else {
                    high = middle;
                }
            }
            0.5 * (low + high)
        };
        for degrees_of_freedom in [0.2, 0.5, 1.3, 4.7, 9.0, 30.5, 300.0, 1e5] {
            for confidence in [0.5, 0.8, 0.95, 0.99, 0.999] {
                let newton = students_t_quantile_two_sided(confidence, degrees_of_freedom).unwrap();
                let expected = bisection(confidence, degrees_of_freedom);
                assert!(
                    (newton - expected).abs() <= 1e-12 * expected,
                    "df {degrees_of_freedom}, {confidence}: {newton} against {expected}"
                );
            }
        }
    }

    /// The expansion that starts Newton's method is within 1e-3 of the quantile from five
    /// degrees of freedom on and 1e-5 from thirty (its error is of order ν⁻⁵), so a wrong
    /// coefficient shows.
    #[test]
    fn the_cornish_fisher_start_is_close_from_five_degrees_of_freedom() {
        for degrees_of_freedom in [5.0, 9.0, 30.5, 300.0] {
            for confidence in [0.8, 0.95, 0.99] {
                let z = normal_quantile(1.0 - (1.0 - confidence) / 2.0);
                let start = cornish_fisher_t(z, degrees_of_freedom);
                let exact = students_t_quantile_two_sided(confidence, degrees_of_freedom).unwrap();
                let tolerance = if degrees_of_freedom < 30.0 { 1e-3 } else { 1e-5 };
                assert!(
                    (start - exact).abs() < tolerance * exact,
                    "df {degrees_of_freedom}, {confidence}: {start} against {exact}"
                );
            }
        }
    }

    /// The two-sided t quantile against the closed forms at 1 and 2 degrees of freedom
    /// (`tan(π·(1 − α/2 − ½))` and `(2p − 1)/√(2p(1 − p))` with p = 1 − α/2), the normal
    /// quantile at very many, and its own p-value.
    #[test]
    fn students_t_quantile_matches_closed_forms_and_inverts_the_p_value() {
        for confidence in [0.5, 0.9, 0.95, 0.99] {
            let p = 1.0 - (1.0 - confidence) / 2.0;
            let one = students_t_quantile_two_sided(confidence, 1.0).unwrap();
            assert!(
                (one - (std::f64::consts::PI * (p - 0.5)).tan()).abs() < 1e-9 * one,
                "df 1, {confidence}"
            );
            let two = students_t_quantile_two_sided(confidence, 2.0).unwrap();
            assert!(
                (two - (2.0 * p - 1.0) / (2.0 * p * (1.0 - p)).sqrt()).abs() < 1e-11,
                "df 2, {confidence}"
            );
            let many = students_t_quantile_two_sided(confidence, 1e9).unwrap();
            assert!((many - normal_quantile(p)).abs() < 1e-6, "df 1e9, {confidence}");
            for degrees_of_freedom in [3.5, 9.0, 57.25] {
                let t = students_t_quantile_two_sided(confidence, degrees_of_freedom).unwrap();
                assert!((students_t_two_sided_p(t, degrees_of_freedom) - (1.0 - confidence)).abs() < 1e-13);
            }
        }
        assert_eq!(students_t_quantile_two_sided(1.0, 5.0), None);
        assert_eq!(students_t_quantile_two_sided(0.95, 0.0), None);
    }

    fn close(actual: f64, expected: f64, tolerance: f64) -> bool {
        (actual - expected).abs() <= tolerance
    }

    #[test]
    fn log_gamma_matches_known_values() {
        // ln Γ(n) = ln((n − 1)!), ln Γ(1/2) = ln √π.
        assert!(close(log_gamma(1.0), 0.0, 1e-14));
        assert!(close(log_gamma(5.0), 24f64.ln(), 1e-13));
        assert!(close(log_gamma(0.5), std::f64::consts::PI.sqrt().ln(), 1e-14));
        assert!(close(log_gamma(101.0), 363.739_375_555_563_47, 1e-11));
        // The Stirling route agrees with the direct one where both are accurate.
        for (a, b) in [(15.0, 0.5), (40.5, 0.5), (20.0, 3.0), (100.0, 100.0)] {
            let direct = log_gamma(a) + log_gamma(b) - log_gamma(a + b);
            assert!(close(log_beta(a, b), direct, 1e-12), "a = {a}, b = {b}");
        }
    }

    #[test]
    fn students_t_matches_reference_values() {
        // Values from scipy.stats.t.sf(t, df) * 2.
        let cases = [
            (2.0, 10.0, 0.073_388_034_770_740_37),
            (1.0, 1.0, 0.5),
            (0.0, 5.0, 1.0),
            (3.5, 100.0, 0.000_696_427_717_356_268_8),
            (1.959_963_984_540_054, 1e5, 0.050_002_772_961_786_24),
            (4.2, 20_000.0, 2.680_704_458_268_436_7e-5),
            (2.5, 3.7, 0.071_822_022_911_826_78),
            (0.1, 1000.5, 0.920_364_359_008_087),
        ];
        for (t, df, expected) in cases {
            let p = students_t_two_sided_p(t, df);
            assert!(close(p, expected, 1e-12), "t = {t}, df = {df}: {p} vs {expected}");
        }
        assert_eq!(students_t_two_sided_p(f64::INFINITY, 10.0), 0.0);
    }

    #[test]
    fn correlation_p_value_equals_the_t_route() {
        for (r, n) in [(0.3, 50.0), (-0.05, 1000.0), (0.9, 5.5), (0.0, 20.0), (0.999, 30.0)] {
            let df: f64 = n - 2.0;
            let t = r * (df / (1.0 - r * r)).sqrt();
            let via_t = students_t_two_sided_p(t, df);
            assert!(close(correlation_p_value(r, n), via_t, 1e-13), "r = {r}, n = {n}");
        }
        assert_eq!(correlation_p_value(1.0, 20.0), 0.0);
        assert_eq!(correlation_p_value(0.5, 2.0), 1.0);
    }

    #[test]
    fn benjamini_hochberg_matches_the_textbook_example() {
        // Benjamini and Hochberg (1995), adjusted as R's p.adjust(method = "BH") does.
        let p = [0.01, 0.04, 0.03, 0.005, 0.5];
        let adjusted = benjamini_hochberg(&p);
        let expected = [0.025, 0.05, 0.05, 0.025, 0.5];
        for (a, e) in adjusted.iter().zip(expected) {
            assert!(close(*a, e, 1e-15), "{adjusted:?}");
        }
        assert!(benjamini_hochberg(&[]).is_empty());
        assert_eq!(benjamini_hochberg(&[0.9, 0.95]), vec![0.95, 0.95]);
    }

    #[test]
    fn ranks_average_ties() {
        assert_eq!(average_ranks(&[10.0, 20.0, 10.0, 5.0]), vec![2.5, 4.0, 2.5, 1.0]);
        assert_eq!(average_ranks(&[1.0, 1.0, 1.0]), vec![2.0, 2.0, 2.0]);
        assert!(spearman(&[1.0, 2.0, 3.0], &[1.0, 4.0, 9.0]).is_some_and(|rho| close(rho, 1.0, 1e-15)));
    }

    #[test]
    fn fisher_interval_brackets_r_and_narrows_with_n() {
        let (low_small, high_small) = fisher_z_interval(0.3, 30.0);
        let (low_large, high_large) = fisher_z_interval(0.3, 300.0);
        assert!(low_small < low_large && low_large < 0.3 && 0.3 < high_large && high_large < high_small);
        assert_eq!(fisher_z_interval(0.3, 3.0), (-1.0, 1.0));
        // n = 28: half width in z is 1.959964 / 5.
        let (low, high) = fisher_z_interval(0.0, 28.0);
        assert!(close(high, (1.959_963_984_540_054f64 / 5.0).tanh(), 1e-15) && close(low, -high, 1e-15));
    }

    #[test]
    fn normal_distribution_matches_scipy() {
        // scipy.stats.norm.ppf / .cdf.
        assert!(close(normal_quantile(0.975), 1.959_963_984_540_054, 1e-14));
        assert!(close(normal_quantile(1.0 - 0.05 * 3.0 / 40.0 / 2.0), 2.898_460_116_549_520_3, 1e-12));
        let cdf = normal_cdf(1.3);
        // statrs' erfc is good to about 5e-12 here (scipy's ndtr to 1e-16): well inside the 1e-9 of the references.
        assert!(close(cdf, 0.903_199_515_414_389_7, 1e-11), "{cdf}");
    }

    #[test]
    fn interval_at_any_confidence_matches_scipy() {
        // r = 0.3, n = 50, 99%: tanh(atanh(0.3) ± norm.ppf(0.995) / √47).
        let (low, high) = fisher_z_interval_at(0.3, 50.0, 0.99);
        assert!(close(low, -0.066_107_162_403_899_77, 1e-13) && close(high, 0.594_917_276_346_474_7, 1e-13));
        // At 95% it is the fixed-quantile interval.
        let (low95, high95) = fisher_z_interval_at(0.3, 50.0, 0.95);
        let (low_fixed, high_fixed) = fisher_z_interval(0.3, 50.0);
        assert!(close(low95, low_fixed, 1e-14) && close(high95, high_fixed, 1e-14));
        assert!(close(fisher_z_statistic(0.3, 50.0), 0.3f64.atanh() * 47f64.sqrt(), 1e-15));
        assert_eq!(fisher_z_statistic(0.3, 3.0), 0.0);
    }

    #[test]
    fn false_coverage_level_is_one_minus_r_q_over_m() {
        assert!(close(false_coverage_confidence(3, 40, 0.05), 1.0 - 0.15 / 40.0, 1e-15));
        // Nothing selected: the level of one selection, never wider than needed for it.
        assert!(close(false_coverage_confidence(0, 40, 0.05), 1.0 - 0.05 / 40.0, 1e-15));
        assert!(close(false_coverage_confidence(40, 40, 0.05), 0.95, 1e-15));
    }

    #[test]
    fn power_matches_the_fisher_approximation() {
        // scipy: norm.cdf(s − c) + norm.cdf(−s − c), s = atanh(0.33)·√27, c = norm.ppf(0.975).
        assert!(close(correlation_power(0.33, 30.0, 0.05), 0.429_226_789_883_910_7, 1e-12));
        // ((c + norm.ppf(0.8)) / atanh(0.33))² + 3 = 69.78…: 70 teams for 80% power at r = 0.33.
        assert_eq!(sample_size_for_power(0.33, 0.8, 0.05), 70);
        assert!(correlation_power(0.33, 70.0, 0.05) >= 0.8);
        assert!(correlation_power(0.33, 69.0, 0.05) < 0.8);
        assert_eq!(correlation_power(0.5, 3.0, 0.05), 0.0);
    }
}
