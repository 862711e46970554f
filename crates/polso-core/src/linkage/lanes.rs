//! The grid's sums, written so that the compiler vectorises them: each sum is kept in eight
//! interleaved partial sums (lane `i` takes elements `i`, `i + 8`, …), added together at the end.
//! The order of the additions is fixed, so a result is the same on every run and on every path
//! that computes it (the grid and the detail view); it differs from a sum taken element by element
//! only by rounding, far below the 1e-9 to which the figures are checked against scipy.
//!
//! Pure: no IO, no clock, no randomness.

/// Lanes per sum: four SSE2 registers of two, enough to hide the latency of an addition.
const LANES: usize = 8;

/// `Σ a_i b_i` over the shorter of the two.
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let length = a.len().min(b.len());
    let (a, b) = (&a[..length], &b[..length]);
    let (a_chunks, b_chunks) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f64 = a_chunks.remainder().iter().zip(b_chunks.remainder()).map(|(x, y)| x * y).sum();
    let mut sums = [0.0; LANES];
    for (x, y) in a_chunks.zip(b_chunks) {
        for lane in 0..LANES {
            sums[lane] += x[lane] * y[lane];
        }
    }
    add_lanes(&sums) + tail
}

/// `(Σ a_i b_i, Σ a_i c_i)` from one read of `a`, each exactly as [`dot`] computes it.
pub(crate) fn dot2(a: &[f64], b: &[f64], c: &[f64]) -> (f64, f64) {
    let length = a.len().min(b.len()).min(c.len());
    let (a, b, c) = (&a[..length], &b[..length], &c[..length]);
    let (a_chunks, b_chunks, c_chunks) =
        (a.chunks_exact(LANES), b.chunks_exact(LANES), c.chunks_exact(LANES));
    let b_tail: f64 = a_chunks.remainder().iter().zip(b_chunks.remainder()).map(|(x, y)| x * y).sum();
    let c_tail: f64 = a_chunks.remainder().iter().zip(c_chunks.remainder()).map(|(x, y)| x * y).sum();
    let (mut b_sums, mut c_sums) = ([0.0; LANES], [0.0; LANES]);
    for ((x, y), z) in a_chunks.zip(b_chunks).zip(c_chunks) {
        for lane in 0..LANES {
            b_sums[lane] += x[lane] * y[lane];
            c_sums[lane] += x[lane] * z[lane];
        }
    }
    (add_lanes(&b_sums) + b_tail, add_lanes(&c_sums) + c_tail)
}

/// `Σ a_i`.
pub(crate) fn sum(a: &[f64]) -> f64 {
    let chunks = a.chunks_exact(LANES);
    let tail: f64 = chunks.remainder().iter().sum();
    let mut sums = [0.0; LANES];
    for x in chunks {
        for lane in 0..LANES {
            sums[lane] += x[lane];
        }
    }
    add_lanes(&sums) + tail
}

/// Pearson's r, defined and computed as [`crate::stats::pearson`] does (the means first, then the
/// sums of centred products), with the sums in lanes; `None` with fewer than two pairs or when a
/// side does not vary.
pub(crate) fn pearson(xs: &[f64], ys: &[f64]) -> Option<f64> {
    if xs.len() != ys.len() || xs.len() < 2 {
        return None;
    }
    let n = xs.len() as f64;
    let (x_mean, y_mean) = (sum(xs) / n, sum(ys) / n);
    let (x_chunks, y_chunks) = (xs.chunks_exact(LANES), ys.chunks_exact(LANES));
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for (x, y) in x_chunks.remainder().iter().zip(y_chunks.remainder()) {
        let (dx, dy) = (x - x_mean, y - y_mean);
        (sxx, syy, sxy) = (sxx + dx * dx, syy + dy * dy, sxy + dx * dy);
    }
    let (mut xx, mut yy, mut xy) = ([0.0; LANES], [0.0; LANES], [0.0; LANES]);
    for (x, y) in x_chunks.zip(y_chunks) {
        for lane in 0..LANES {
            let (dx, dy) = (x[lane] - x_mean, y[lane] - y_mean);
            xx[lane] += dx * dx;
            yy[lane] += dy * dy;
            xy[lane] += dx * dy;
        }
    }
    correlation(add_lanes(&xx) + sxx, add_lanes(&yy) + syy, add_lanes(&xy) + sxy)
}

/// Pearson's r of the pairs `(xs_i, ys_i)` where `weights_i` is 1 (the others, 0 in both, are left
/// out): the same definition as [`pearson`] of the pairs alone, read in place from a dense panel.
pub(crate) fn weighted_pearson(weights: &[f64], xs: &[f64], ys: &[f64]) -> Option<f64> {
    let n = sum(weights);
    if xs.len() != ys.len() || weights.len() != xs.len() || n < 2.0 {
        return None;
    }
    let (x_mean, y_mean) = (sum(xs) / n, sum(ys) / n);
    let (w_chunks, x_chunks, y_chunks) =
        (weights.chunks_exact(LANES), xs.chunks_exact(LANES), ys.chunks_exact(LANES));
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for ((w, x), y) in w_chunks.remainder().iter().zip(x_chunks.remainder()).zip(y_chunks.remainder()) {
        let (dx, dy) = (w * (x - x_mean), w * (y - y_mean));
        (sxx, syy, sxy) = (sxx + dx * dx, syy + dy * dy, sxy + dx * dy);
    }
    let (mut xx, mut yy, mut xy) = ([0.0; LANES], [0.0; LANES], [0.0; LANES]);
    for ((w, x), y) in w_chunks.zip(x_chunks).zip(y_chunks) {
        for lane in 0..LANES {
            let (dx, dy) = (w[lane] * (x[lane] - x_mean), w[lane] * (y[lane] - y_mean));
            xx[lane] += dx * dx;
            yy[lane] += dy * dy;
            xy[lane] += dx * dy;
        }
    }
    correlation(add_lanes(&xx) + sxx, add_lanes(&yy) + syy, add_lanes(&xy) + sxy)
}

/// `r = s_xy / √(s_xx · s_yy)` from the centred sums, `None` when a side does not vary.
fn correlation(sxx: f64, syy: f64, sxy: f64) -> Option<f64> {
    if sxx <= 0.0 || syy <= 0.0 {
        return None;
    }
    Some((sxy / (sxx.sqrt() * syy.sqrt())).clamp(-1.0, 1.0))
}

fn add_lanes(sums: &[f64; LANES]) -> f64 {
    ((sums[0] + sums[1]) + (sums[2] + sums[3])) + ((sums[4] + sums[5]) + (sums[6] + sums[7]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lane_sums_agree_with_sums_taken_one_by_one() {
        let mut random = crate::splitmix::SplitMix64::new(9);
        for length in [0, 1, 2, 7, 8, 9, 150, 1_001] {
            let xs: Vec<f64> = (0..length).map(|_| random.uniform() * 100.0 - 30.0).collect();
            let ys: Vec<f64> = xs.iter().map(|x| 0.5 * x + random.uniform() * 40.0).collect();
            let scale = xs.iter().map(|x| x.abs()).sum::<f64>().max(1.0);
            assert!((sum(&xs) - xs.iter().sum::<f64>()).abs() <= 1e-13 * scale, "{length}");
            let products: f64 = xs.iter().zip(&ys).map(|(x, y)| x * y).sum();
            assert!((dot(&xs, &ys) - products).abs() <= 1e-13 * scale * scale, "{length}");
            assert_eq!(dot2(&xs, &ys, &xs), (dot(&xs, &ys), dot(&xs, &xs)), "{length}");
            // The same pairs with absent cells (weight 0, values 0) between them.
            let weights: Vec<f64> = (0..2 * length).map(|i| (i % 2) as f64).collect();
            let spread = |values: &[f64]| -> Vec<f64> { values.iter().flat_map(|v| [0.0, *v]).collect() };
            let weighted = weighted_pearson(&weights, &spread(&xs), &spread(&ys));
            match (weighted, crate::stats::pearson(&xs, &ys)) {
                (Some(r), Some(expected)) => {
                    assert!((r - expected).abs() <= 1e-13, "{length}: {r} vs {expected}")
                }
                (r, expected) => assert_eq!(r, expected, "{length}"),
            }
            match (pearson(&xs, &ys), crate::stats::pearson(&xs, &ys)) {
                (Some(r), Some(expected)) => {
                    assert!((r - expected).abs() <= 1e-13, "{length}: {r} vs {expected}")
                }
                (r, expected) => assert_eq!(r, expected, "{length}"),
            }
        }
    }
}
