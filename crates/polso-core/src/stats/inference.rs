//! How sure a correlation is: Fisher's z statistic and intervals (at 95% or any confidence), the
//! two-sided p-value from Student's t, and the power of the test of "no correlation" with the
//! sample size that reaches a given power.
//!
//! Pure: no IO.

use super::distributions::{NORMAL_QUANTILE_975, normal_cdf, normal_quantile};
use super::special::regularized_incomplete_beta;

/// Fisher's z statistic of a correlation, `atanh(r) · √(n_eff − 3)`: how many standard errors `r` is
/// from 0 on the z scale. Its absolute value is the "evidence" the linkage ranks cells by (Fisher,
/// 1921); 0 when `n_eff ≤ 3`.
pub fn fisher_z_statistic(r: f64, n_effective: f64) -> f64 {
    if n_effective <= 3.0 {
        return 0.0;
    }
    r.clamp(-1.0, 1.0).atanh() * (n_effective - 3.0).sqrt()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::close;
    use crate::stats::distributions::students_t_two_sided_p;

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
