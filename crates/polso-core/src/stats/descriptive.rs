//! Summaries of one set of values: the mean, the median, the values centred on their mean, and
//! how much unequal weights cost in effective sample size (Kish).
//!
//! Pure: no IO.

/// The arithmetic mean (NaN for no values).
pub fn mean(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    values.iter().sum::<f64>() / n
}

/// The median of `values` (the mean of the middle two for an even count); `None` when empty.
pub fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[middle - 1] + values[middle]) / 2.0
    } else {
        values[middle]
    })
}

/// The values minus their mean.
pub fn demean(values: &[f64]) -> Vec<f64> {
    let average = mean(values);
    values.iter().map(|value| value - average).collect()
}

/// Kish's ratio of effective to actual sample size for weights `w` (all non-negative):
/// `(Σ w)² / (n · Σ w²)`, 1 for equal weights and smaller the more unequal they are; 1 for no
/// weights or all zero.
pub fn kish_ratio(weights: &[f64]) -> f64 {
    let (sum, squares) = weights.iter().fold((0.0, 0.0), |(sum, squares), w| (sum + w, squares + w * w));
    if weights.is_empty() || squares <= 0.0 {
        return 1.0;
    }
    sum * sum / (weights.len() as f64 * squares)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_median_and_demeaned_values() {
        assert_eq!(mean(&[1.0, 2.0, 6.0]), 3.0);
        assert!(mean(&[]).is_nan());
        assert_eq!(median(vec![5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(vec![4.0, 1.0, 3.0, 10.0]), Some(3.5));
        assert_eq!(median(Vec::new()), None);
        assert_eq!(demean(&[1.0, 2.0, 6.0]), vec![-2.0, -1.0, 3.0]);
    }

    #[test]
    fn kish_ratio_is_one_for_equal_weights_and_falls_as_they_spread() {
        assert_eq!(kish_ratio(&[3.0; 5]), 1.0);
        // (1 + 3)² / (2 · (1 + 9)) = 0.8.
        assert!((kish_ratio(&[1.0, 3.0]) - 0.8).abs() < 1e-15);
        assert_eq!(kish_ratio(&[]), 1.0);
        assert_eq!(kish_ratio(&[0.0, 0.0]), 1.0);
    }
}
