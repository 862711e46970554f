//! The distributions the statistics rest on: the standard normal (from `statrs`; its quantile agrees
//! with scipy to about 1e-15, its distribution function to about 5e-12), Student's t (two-sided
//! p-values and quantiles, on the incomplete beta function of [`super::special`]), and the
//! chi-squared survival function (from `statrs`).
//!
//! Pure: no IO.

use statrs::distribution::{ChiSquared, ContinuousCDF, Normal};

use super::special::{log_beta, regularized_incomplete_beta};

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

/// `P(χ²_df ≥ x)`, the chi-squared survival function (statrs); 1 when `x ≤ 0` or `df` is not a
/// valid number of degrees of freedom (such as 0).
pub fn chi_squared_survival(x: f64, degrees_of_freedom: f64) -> f64 {
    match ChiSquared::new(degrees_of_freedom) {
        Ok(distribution) if x > 0.0 => distribution.sf(x),
        _ => 1.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::close;

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
    fn normal_distribution_matches_scipy() {
        // scipy.stats.norm.ppf / .cdf.
        assert!(close(normal_quantile(0.975), 1.959_963_984_540_054, 1e-14));
        assert!(close(normal_quantile(1.0 - 0.05 * 3.0 / 40.0 / 2.0), 2.898_460_116_549_520_3, 1e-12));
        let cdf = normal_cdf(1.3);
        // statrs' erfc is good to about 5e-12 here (scipy's ndtr to 1e-16): well inside the 1e-9 of the references.
        assert!(close(cdf, 0.903_199_515_414_389_7, 1e-11), "{cdf}");
    }

    #[test]
    fn chi_squared_survival_matches_the_closed_form_at_two_degrees_of_freedom() {
        // With 2 degrees of freedom, P(χ² ≥ x) = exp(−x/2).
        for x in [0.5, 2.0, 7.3] {
            assert!(close(chi_squared_survival(x, 2.0), (-x / 2.0f64).exp(), 1e-12), "{x}");
        }
        assert_eq!(chi_squared_survival(0.0, 3.0), 1.0);
        assert_eq!(chi_squared_survival(4.0, 0.0), 1.0);
    }
}
