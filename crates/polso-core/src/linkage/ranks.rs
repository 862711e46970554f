//! Spearman's ρ of the within-team residuals, at the grid's size: the residuals are compared at 9
//! significant digits of the largest (module header of [`crate::linkage`]), which makes each one an
//! integer key in `−10⁹..=10⁹`, and integer keys are put in order by a radix sort (three passes of
//! 11 bits over the keys, each pass one read to count and one to place) instead of a comparison
//! sort (about twenty comparisons per value at 650,000 values). The ranks, and so ρ, are those of
//! [`crate::stats::spearman`] on the rounded values.
//!
//! Pure: no IO, no clock, no randomness.

use super::lanes::pearson;

/// The keys' range is shifted by this to be non-negative (and below 2³¹).
const KEY_OFFSET: i64 = 1_000_000_000;

/// Bits per radix pass; three passes cover the 31 bits of a shifted key.
const DIGIT_BITS: u32 = 11;

/// The memory of the ranking, kept from one call to the next (the grid ranks two sides per cell).
#[derive(Debug, Default)]
pub(crate) struct RankBuffers {
    items: Vec<u64>,
    spare: Vec<u64>,
    x_ranks: Vec<f64>,
    y_ranks: Vec<f64>,
}

/// Spearman's ρ of `xs` and `ys` compared at 9 significant digits of each side's largest absolute
/// value; `None` when either side's ranks do not vary (or there are fewer than two pairs).
pub(crate) fn tie_safe_spearman(xs: &[f64], ys: &[f64], buffers: &mut RankBuffers) -> Option<f64> {
    if xs.len() != ys.len() || xs.len() < 2 {
        return None;
    }
    let RankBuffers { items, spare, x_ranks, y_ranks } = buffers;
    for (values, ranks) in [(xs, &mut *x_ranks), (ys, &mut *y_ranks)] {
        let counts = keys_into(values, items);
        radix_sort_by_key(items, spare, &counts);
        average_ranks_of_sorted(items, ranks);
    }
    pearson(x_ranks, y_ranks)
}

/// Whether the values where `present` is not 0, compared at 9 significant digits of the largest, are
/// not all equal (whether their ranks vary); the others, 0, leave the largest magnitude as it is.
pub(crate) fn tie_safe_values_vary_where(present: &[f64], values: &[f64]) -> bool {
    let scale = largest_magnitude(values);
    let mut keys =
        values.iter().zip(present).filter(|(_, p)| **p != 0.0).map(|(value, _)| key(*value, scale));
    keys.next().is_some_and(|first| keys.any(|key| key != first))
}

fn largest_magnitude(values: &[f64]) -> f64 {
    values.iter().fold(0.0f64, |largest, value| largest.max(value.abs()))
}

/// A value's key: `round(value / scale · 10⁹)`, shifted to be non-negative (0 when the scale is 0,
/// every value then being 0).
fn key(value: f64, scale: f64) -> u32 {
    let rounded = if scale == 0.0 { 0 } else { round_half_away_from_zero(value / scale * 1e9) };
    // |value| ≤ scale, so the rounded value lies in −10⁹..=10⁹ and the shifted key below 2³¹.
    u32::try_from(rounded + KEY_OFFSET).unwrap_or(0)
}

/// `x.round()` for `|x| ≤ 2⁵²`, without the library call: the truncation, then one up or down when the
/// part cut off is at least a half (both exact at this size).
fn round_half_away_from_zero(x: f64) -> i64 {
    let truncated = x as i64;
    let fraction = x - truncated as f64;
    truncated + i64::from(fraction >= 0.5) - i64::from(fraction <= -0.5)
}

/// The keys of `values` into `items`, each beside its position: `key << 32 | position`. Returns
/// how many keys have each value of each radix digit (counted here, while the keys pass by).
fn keys_into(values: &[f64], items: &mut Vec<u64>) -> Box<DigitCounts> {
    let scale = largest_magnitude(values);
    items.clear();
    let mut counts = Box::new([[0u32; BUCKETS]; PASSES]);
    for (position, value) in values.iter().enumerate() {
        let item = (u64::from(key(*value, scale)) << 32) | position as u64;
        for (pass, pass_counts) in counts.iter_mut().enumerate() {
            pass_counts[digit(item, pass)] += 1;
        }
        items.push(item);
    }
    counts
}

/// Ranks from 1 of the keyed positions in `sorted` (in key order) into `ranks`, by position, ties
/// sharing the average of their ranks.
fn average_ranks_of_sorted(sorted: &[u64], ranks: &mut Vec<f64>) {
    // Every position gets its rank: the old contents need no clearing.
    ranks.resize(sorted.len(), 0.0);
    let mut start = 0;
    while start < sorted.len() {
        let key = sorted[start] >> 32;
        let mut end = start + 1;
        while end < sorted.len() && sorted[end] >> 32 == key {
            end += 1;
        }
        // Positions start..end (0-based) share ranks start+1..=end, whose average is (start + 1 + end) / 2.
        let average = (start + 1 + end) as f64 / 2.0;
        for item in &sorted[start..end] {
            ranks[(item & u64::from(u32::MAX)) as usize] = average;
        }
        start = end;
    }
}

/// Buckets per radix pass.
const BUCKETS: usize = 1 << DIGIT_BITS;

/// Radix passes: three of 11 bits cover a 31-bit key.
const PASSES: usize = 3;

/// How many items have each value of each pass's digit.
type DigitCounts = [[u32; BUCKETS]; PASSES];

/// The digit of `item`'s key that radix pass `pass` sorts by.
fn digit(item: u64, pass: usize) -> usize {
    ((item >> (32 + DIGIT_BITS as usize * pass)) as usize) & (BUCKETS - 1)
}

/// Puts `items` in order of their upper 32 bits (least significant digit first, each pass stable),
/// with `spare` as the second buffer, given the items' digit counts.
fn radix_sort_by_key(items: &mut Vec<u64>, spare: &mut Vec<u64>, counts: &DigitCounts) {
    spare.resize(items.len(), 0);
    for (pass, pass_counts) in counts.iter().enumerate() {
        // A digit that every item shares leaves the order as it is.
        if pass_counts.iter().any(|count| *count as usize == items.len()) {
            continue;
        }
        let mut next = [0usize; BUCKETS];
        let mut total = 0;
        for (slot, count) in next.iter_mut().zip(pass_counts) {
            *slot = total;
            total += *count as usize;
        }
        for &item in items.iter() {
            let bucket = digit(item, pass);
            spare[next[bucket]] = item;
            next[bucket] += 1;
        }
        std::mem::swap(items, spare);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::spearman;

    /// The rounding the module header describes, written as directly as it reads.
    fn rounded(values: &[f64]) -> Vec<f64> {
        let scale = largest_magnitude(values);
        if scale == 0.0 {
            return values.to_vec();
        }
        values.iter().map(|value| (value / scale * 1e9).round()).collect()
    }

    #[test]
    fn ranks_by_radix_give_the_comparison_sorts_rho_with_ties_and_negative_values() {
        let mut random = crate::splitmix::SplitMix64::new(21);
        let mut buffers = RankBuffers::default();
        for (n, distinct) in [(2, 2), (7, 3), (1_000, 5), (5_000, 5_000), (70_000, 70_000)] {
            // Few distinct values make many ties; the others are spread over −1e6..1e6 with a
            // couple of values equal to 1e-12 of the largest, which round to the same key.
            let draw = |random: &mut crate::splitmix::SplitMix64| -> f64 {
                let u = random.uniform();
                if distinct < n { (u * distinct as f64).floor() - 1.0 } else { (u - 0.5) * 2e6 }
            };
            let mut xs: Vec<f64> = (0..n).map(|_| draw(&mut random)).collect();
            let ys: Vec<f64> = xs.iter().map(|x| x * 0.3 + draw(&mut random)).collect();
            if distinct == n && n > 10 {
                xs[3] = xs[4] * (1.0 + 1e-12);
            }
            let expected = spearman(&rounded(&xs), &rounded(&ys)).unwrap();
            // The same ranks, so the same ρ but for the order of the additions.
            let actual = tie_safe_spearman(&xs, &ys, &mut buffers).unwrap();
            assert!((actual - expected).abs() <= 1e-13, "n {n}: {actual} vs {expected}");
        }
    }

    #[test]
    fn rounding_without_the_library_call_is_rounding() {
        for x in
            [0.0, 0.5, -0.5, 1.5, -2.5, 0.49999999999999994, -0.49999999999999994, 999_999_999.5, -1e9, 1e9]
        {
            assert_eq!(round_half_away_from_zero(x), x.round() as i64, "{x}");
        }
        let mut random = crate::splitmix::SplitMix64::new(5);
        for _ in 0..100_000 {
            let x = (random.uniform() - 0.5) * 2e9;
            assert_eq!(round_half_away_from_zero(x), x.round() as i64, "{x}");
        }
    }

    #[test]
    fn values_equal_at_nine_digits_do_not_vary() {
        assert!(!tie_safe_values_vary_where(&[1.0, 0.0, 1.0], &[5.0, 0.0, 5.0 * (1.0 + 1e-12)]));
        assert!(tie_safe_values_vary_where(&[1.0, 0.0, 1.0], &[5.0, 0.0, 4.0]));
        assert!(tie_safe_values_vary_where(&[1.0, 1.0], &[5.0, -5.0]));
        assert!(!tie_safe_values_vary_where(&[1.0, 1.0], &[0.0, 0.0]));
        assert_eq!(tie_safe_spearman(&[0.0, 0.0, 0.0], &[1.0, 2.0, 3.0], &mut RankBuffers::default()), None);
    }
}
