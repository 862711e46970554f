//! How closely two variables move together: Pearson's r (plain and weighted), Spearman's ρ on
//! average ranks, and the least-squares line of one on the other.
//!
//! Pure: no IO.

use super::descriptive::mean;

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

/// Weighted Pearson: `Σ w (x − x̄_w)(y − ȳ_w) / √(Σ w (x − x̄_w)² · Σ w (y − ȳ_w)²)`, with `x̄_w`
/// and `ȳ_w` the weighted means; `None` with fewer than two pairs, no positive weight, or when
/// either side does not vary (sums of squares at the level of rounding error count as none).
pub fn weighted_pearson(xs: &[f64], ys: &[f64], weights: &[f64]) -> Option<f64> {
    let weight_sum: f64 = weights.iter().sum();
    if xs.len() < 2 || weight_sum <= 0.0 {
        return None;
    }
    let x_mean = xs.iter().zip(weights).map(|(x, w)| x * w).sum::<f64>() / weight_sum;
    let y_mean = ys.iter().zip(weights).map(|(y, w)| y * w).sum::<f64>() / weight_sum;
    let (mut xy, mut xx, mut yy) = (0.0, 0.0, 0.0);
    for ((x, y), w) in xs.iter().zip(ys).zip(weights) {
        let (dx, dy) = (x - x_mean, y - y_mean);
        xy += w * dx * dy;
        xx += w * dx * dx;
        yy += w * dy * dy;
    }
    let scale = xs.iter().chain(ys).fold(0.0f64, |a, v| a.max(v.abs())).max(1e-300);
    // Residuals that are rounding error around zero do not vary.
    if xx <= (1e-12 * scale).powi(2) * weight_sum || yy <= (1e-12 * scale).powi(2) * weight_sum {
        return None;
    }
    Some((xy / (xx * yy).sqrt()).clamp(-1.0, 1.0))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::close;

    #[test]
    fn ranks_average_ties() {
        assert_eq!(average_ranks(&[10.0, 20.0, 10.0, 5.0]), vec![2.5, 4.0, 2.5, 1.0]);
        assert_eq!(average_ranks(&[1.0, 1.0, 1.0]), vec![2.0, 2.0, 2.0]);
        assert!(spearman(&[1.0, 2.0, 3.0], &[1.0, 4.0, 9.0]).is_some_and(|rho| close(rho, 1.0, 1e-15)));
    }

    #[test]
    fn weighted_pearson_with_whole_weights_is_pearson_of_the_repeated_pairs() {
        let (xs, ys) = ([1.0, 2.0, 3.0, 4.0], [2.0, 1.0, 4.0, 3.0]);
        let repeated_xs = [1.0, 2.0, 2.0, 3.0, 4.0, 4.0, 4.0];
        let repeated_ys = [2.0, 1.0, 1.0, 4.0, 3.0, 3.0, 3.0];
        let weighted = weighted_pearson(&xs, &ys, &[1.0, 2.0, 1.0, 3.0]).unwrap();
        assert!(close(weighted, pearson(&repeated_xs, &repeated_ys).unwrap(), 1e-14), "{weighted}");
        let equal = weighted_pearson(&xs, &ys, &[0.5; 4]).unwrap();
        assert!(close(equal, pearson(&xs, &ys).unwrap(), 1e-14));
        assert_eq!(weighted_pearson(&xs, &[1.0; 4], &[1.0; 4]), None);
        assert_eq!(weighted_pearson(&xs, &ys, &[0.0; 4]), None);
    }

    #[test]
    fn least_squares_line_through_exact_points() {
        assert_eq!(ordinary_least_squares(&[0.0, 1.0, 2.0], &[1.0, 3.0, 5.0]), Some((2.0, 1.0)));
        assert_eq!(ordinary_least_squares(&[1.0, 1.0], &[1.0, 3.0]), None);
    }
}
