//! Random-effects meta-analysis: estimates `z_i` with known within-study variances `v_i` combined
//! as in DerSimonian and Laird (1986), with Cochran's Q and Higgins and Thompson's I² (2002):
//!
//! ```text
//! w_i   = 1 / v_i,   z_FE = Σ w_i z_i / Σ w_i
//! Q     = Σ w_i (z_i − z_FE)²                                  (k − 1 degrees of freedom)
//! τ²    = max(0, (Q − (k − 1)) / (Σ w_i − Σ w_i² / Σ w_i))
//! I²    = max(0, (Q − (k − 1)) / Q)
//! w*_i  = 1 / (v_i + τ²),   μ = Σ w*_i z_i / Σ w*_i,   se_μ = 1 / √(Σ w*_i)
//! ```
//!
//! The linkage's detail view combines each team's own correlation this way
//! ([`crate::linkage::teams`], whose header says what each number means there).
//!
//! Pure: no IO.

/// The DerSimonian–Laird summary of estimates with their within-study variances (module header).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RandomEffects {
    /// Cochran's Q, the weighted spread of the estimates around the fixed-effect mean.
    pub q: f64,
    /// τ², the variance of the true effects between studies.
    pub tau_squared: f64,
    /// I², the share of the estimates' spread that is real difference rather than sampling noise.
    pub i_squared: f64,
    /// μ, the random-effects mean.
    pub mean: f64,
    /// The standard error of μ.
    pub standard_error: f64,
}

/// DerSimonian and Laird (1986), formulas in the module header. `z` and `variance` of equal,
/// non-zero length, every variance positive.
pub fn dersimonian_laird(z: &[f64], variance: &[f64]) -> RandomEffects {
    let weights: Vec<f64> = variance.iter().map(|v| 1.0 / v).collect();
    let weight_sum: f64 = weights.iter().sum();
    let fixed_mean = weights.iter().zip(z).map(|(w, z)| w * z).sum::<f64>() / weight_sum;
    let q: f64 = weights.iter().zip(z).map(|(w, z)| w * (z - fixed_mean).powi(2)).sum();
    let degrees_of_freedom = (z.len() - 1) as f64;
    let scaling = weight_sum - weights.iter().map(|w| w * w).sum::<f64>() / weight_sum;
    let tau_squared = if scaling > 0.0 { ((q - degrees_of_freedom) / scaling).max(0.0) } else { 0.0 };
    let i_squared = if q > degrees_of_freedom { (q - degrees_of_freedom) / q } else { 0.0 };
    let random_weights: Vec<f64> = variance.iter().map(|v| 1.0 / (v + tau_squared)).collect();
    let random_sum: f64 = random_weights.iter().sum();
    let mean = random_weights.iter().zip(z).map(|(w, z)| w * z).sum::<f64>() / random_sum;
    RandomEffects { q, tau_squared, i_squared, mean, standard_error: (1.0 / random_sum).sqrt() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dersimonian_laird_matches_the_textbook_example() {
        // Equal variances: z_FE is the plain mean, Q = Σ(z − z̄)² / v, C = k/v − 1/v = (k − 1)/v.
        let z = [0.1, 0.3, 0.5, 0.7];
        let variance = [0.01; 4];
        let meta = dersimonian_laird(&z, &variance);
        let sum_of_squares: f64 = z.iter().map(|z| (z - 0.4f64).powi(2)).sum();
        assert!((meta.q - sum_of_squares / 0.01).abs() < 1e-12, "{meta:?}");
        let tau_squared = (meta.q - 3.0) / (400.0 - 40_000.0 / 400.0);
        assert!((meta.tau_squared - tau_squared).abs() < 1e-12);
        assert!((meta.i_squared - (meta.q - 3.0) / meta.q).abs() < 1e-12);
        assert!((meta.mean - 0.4).abs() < 1e-12);
        assert!((meta.standard_error - ((0.01 + tau_squared) / 4.0).sqrt()).abs() < 1e-12);
    }
}
