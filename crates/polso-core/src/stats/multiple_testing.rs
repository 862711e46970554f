//! Many tests at once: Benjamini–Hochberg adjusted p-values (the false discovery rate) and the
//! confidence level of Benjamini–Yekutieli false-coverage-rate intervals for the selected.
//!
//! Pure: no IO.

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::close;

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
    fn false_coverage_level_is_one_minus_r_q_over_m() {
        assert!(close(false_coverage_confidence(3, 40, 0.05), 1.0 - 0.15 / 40.0, 1e-15));
        // Nothing selected: the level of one selection, never wider than needed for it.
        assert!(close(false_coverage_confidence(0, 40, 0.05), 1.0 - 0.05 / 40.0, 1e-15));
        assert!(close(false_coverage_confidence(40, 40, 0.05), 0.95, 1e-15));
    }
}
