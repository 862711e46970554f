//! Differential-privacy noise on released cells, fixed per cell and release.
//!
//! When the organisation's administrator has turned it on (`set-dp --epsilon
//! E`), each released cell spends ε as three equal parts (basic composition):
//!
//! - its count n, sensitivity 1 (one device adds at most one report);
//! - its sum of values shifted to start at the scale's minimum, rounded to a
//!   whole number (metric scores are 0–100 floats), sensitivity = the scale's
//!   range (one device moves it by at most that much);
//! - its histogram, one noise per bin, L1 sensitivity 1 (one device adds one
//!   answer to one bin).
//!
//! each with discrete Laplace noise of scale Δ / (ε/3) from
//! [`polso_core::dp`]. The mean is the noisy sum over the noisy count, the
//! standard deviation is computed from the noisy histogram: post-processing,
//! which spends no budget. Counts are clamped to at least k and bins to at
//! least 0, also post-processing.
//!
//! The noise's random bits come from HMAC-SHA256 in counter mode, keyed by a
//! key derived from the server's secret and seeded by (organisation, unit,
//! week, key, release of the setting, exact count of the cell). So the same
//! query gives the same values every time and averaging repeated queries
//! gains nothing; a cell draws fresh noise only when a new report changes it
//! or the administrator changes the setting, each a new release under ε.

use polso_core::bank::ItemBank;
use polso_core::dp::{DiscreteLaplace, Epsilon, RandomBits};
use polso_core::{IsoWeek, Metric};

use crate::report::METRIC_HISTOGRAM_BINS;
use crate::secrets::{Hash32, keyed_hash};

/// The values a key's contributions take, as the noise needs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueScale {
    /// An item answered on `min..=max`; its histogram has one bin per point.
    Item {
        /// The lowest value.
        min: u8,
        /// The highest value.
        max: u8,
    },
    /// A metric score, 0 to 100, in ten bins of ten points.
    Score,
}

impl ValueScale {
    /// The scale of an aggregate key as a client names it (an item id or a
    /// metric key), if the bank knows it.
    pub fn of_key(bank: &ItemBank, key: &str) -> Option<ValueScale> {
        if Metric::from_key(key).is_some() {
            return Some(ValueScale::Score);
        }
        let item = bank.item(key)?;
        let scale = bank.scale_of(item);
        Some(ValueScale::Item { min: scale.min, max: scale.max })
    }

    fn min(self) -> f64 {
        match self {
            ValueScale::Item { min, .. } => f64::from(min),
            ValueScale::Score => 0.0,
        }
    }

    /// How far one contribution can move the shifted sum: the sensitivity.
    fn range(self) -> u64 {
        match self {
            ValueScale::Item { min, max } => u64::from(max.saturating_sub(min)).max(1),
            ValueScale::Score => 100,
        }
    }

    /// The value a histogram bin stands for: the point, or the bin's middle.
    fn bin_value(self, bin: usize) -> f64 {
        match self {
            ValueScale::Item { min, .. } => f64::from(min) + bin as f64,
            ValueScale::Score => (bin as f64 * 10.0 + 5.0).min(100.0),
        }
    }

    fn n_bins(self) -> usize {
        match self {
            ValueScale::Item { min, max } => usize::from(max.saturating_sub(min)) + 1,
            ValueScale::Score => METRIC_HISTOGRAM_BINS,
        }
    }
}

/// Everything the noise of one query's cells depends on.
#[derive(Debug, Clone)]
pub struct CellNoise {
    noise_key: Hash32,
    organisation_id: String,
    epsilon: Epsilon,
    release: u32,
    scale: ValueScale,
}

impl CellNoise {
    /// The noise of `organisation_id`'s cells of a key on `scale`, under ε per
    /// cell and the setting's `release`, keyed by the server's secret.
    pub fn new(
        server_secret: &Hash32,
        organisation_id: &str,
        epsilon: Epsilon,
        release: u32,
        scale: ValueScale,
    ) -> CellNoise {
        CellNoise {
            noise_key: keyed_hash(server_secret, &[b"polso dp noise key v1"]),
            organisation_id: organisation_id.to_owned(),
            epsilon,
            release,
            scale,
        }
    }

    /// The noisy figures of one released cell of exact count `n`, shifted sum
    /// basis `sum` and `histogram`, identified by `unit_id`, `week` and `key`.
    pub fn noisy_cell(&self, cell: CellIdentity<'_>, exact: ExactFigures<'_>, k: u32) -> NoisyFigures {
        let mut bits = NoiseStream::new(
            &self.noise_key,
            &[
                b"polso dp cell v1",
                self.organisation_id.as_bytes(),
                cell.unit_id.as_bytes(),
                cell.week.to_string().as_bytes(),
                cell.key.as_bytes(),
                &self.release.to_le_bytes(),
                &exact.n.to_le_bytes(),
            ],
        );
        let part = self.epsilon.split(3);
        // The sensitivities are 1 and at most 255 (or 100): both mechanisms exist.
        let unit = DiscreteLaplace::for_query(1, part).expect("sensitivity 1 is valid");
        let ranged =
            DiscreteLaplace::for_query(self.scale.range(), part).expect("the scale's range is valid");

        let noisy_n = (i64::from(exact.n) + unit.sample(&mut bits)).max(i64::from(k));
        let range = self.scale.range() as i64;
        let shifted_sum = (exact.sum - f64::from(exact.n) * self.scale.min()).round() as i64;
        let noisy_shifted_sum = (shifted_sum + ranged.sample(&mut bits)).clamp(0, noisy_n * range);
        let mean = self.scale.min() + noisy_shifted_sum as f64 / noisy_n as f64;

        let n_bins = exact.histogram.len().max(self.scale.n_bins());
        let histogram: Vec<u32> = (0..n_bins)
            .map(|bin| {
                let count = i64::from(exact.histogram.get(bin).copied().unwrap_or(0));
                u32::try_from((count + unit.sample(&mut bits)).max(0)).unwrap_or(u32::MAX)
            })
            .collect();
        let sd = self.sd_of_histogram(&histogram);
        NoisyFigures { n: u32::try_from(noisy_n).unwrap_or(u32::MAX), mean, sd, histogram }
    }

    /// The sample standard deviation of the values a histogram stands for.
    fn sd_of_histogram(&self, histogram: &[u32]) -> f64 {
        let total: f64 = histogram.iter().map(|&count| f64::from(count)).sum();
        if total < 2.0 {
            return 0.0;
        }
        let mean = histogram
            .iter()
            .enumerate()
            .map(|(bin, &count)| f64::from(count) * self.scale.bin_value(bin))
            .sum::<f64>()
            / total;
        let squares: f64 = histogram
            .iter()
            .enumerate()
            .map(|(bin, &count)| f64::from(count) * (self.scale.bin_value(bin) - mean).powi(2))
            .sum();
        (squares / (total - 1.0)).sqrt()
    }
}

/// Which cell is being noised.
#[derive(Debug, Clone, Copy)]
pub struct CellIdentity<'a> {
    /// The unit's id (team, department or organisation).
    pub unit_id: &'a str,
    /// The week.
    pub week: IsoWeek,
    /// The key as the client named it.
    pub key: &'a str,
}

/// A cell's exact sums.
#[derive(Debug, Clone, Copy)]
pub struct ExactFigures<'a> {
    /// The exact count.
    pub n: u32,
    /// The exact sum of values.
    pub sum: f64,
    /// The exact histogram.
    pub histogram: &'a [u32],
}

/// What a noised cell releases.
#[derive(Debug, Clone, PartialEq)]
pub struct NoisyFigures {
    /// The noisy count, at least k.
    pub n: u32,
    /// The noisy sum over the noisy count, within the scale.
    pub mean: f64,
    /// The standard deviation of the noisy histogram.
    pub sd: f64,
    /// The noisy histogram, no bin below 0.
    pub histogram: Vec<u32>,
}

/// HMAC-SHA256(key, seed ‖ counter) blocks, read as 64-bit words: a fixed,
/// unpredictable stream for one cell.
struct NoiseStream {
    key: Hash32,
    seed: Hash32,
    counter: u64,
    block: [u8; 32],
    used: usize,
}

impl NoiseStream {
    fn new(key: &Hash32, parts: &[&[u8]]) -> NoiseStream {
        NoiseStream { key: *key, seed: keyed_hash(key, parts), counter: 0, block: [0; 32], used: 32 }
    }
}

impl RandomBits for NoiseStream {
    fn next_u64(&mut self) -> u64 {
        if self.used == 32 {
            self.block =
                keyed_hash(&self.key, &[b"polso dp stream v1", &self.seed, &self.counter.to_le_bytes()]);
            self.counter += 1;
            self.used = 0;
        }
        let mut word = [0u8; 8];
        word.copy_from_slice(&self.block[self.used..self.used + 8]);
        self.used += 8;
        u64::from_le_bytes(word)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise(epsilon: &str, release: u32) -> CellNoise {
        CellNoise::new(
            &[9; 32],
            "org_a",
            epsilon.parse().unwrap(),
            release,
            ValueScale::Item { min: 1, max: 5 },
        )
    }

    fn exact(histogram: &[u32]) -> ExactFigures<'_> {
        let n = histogram.iter().sum();
        let sum =
            histogram.iter().enumerate().map(|(bin, &count)| f64::from(count) * (bin as f64 + 1.0)).sum();
        ExactFigures { n, sum, histogram }
    }

    fn cell<'a>(unit_id: &'a str, week: &str) -> CellIdentity<'a> {
        CellIdentity { unit_id, week: week.parse().unwrap(), key: "eng.1" }
    }

    #[test]
    fn the_same_cell_gets_the_same_noise_and_other_cells_other_noise() {
        let histogram = [2, 3, 10, 12, 3];
        let first = noise("1", 1).noisy_cell(cell("team_a", "2026-W40"), exact(&histogram), 5);
        assert_eq!(first, noise("1", 1).noisy_cell(cell("team_a", "2026-W40"), exact(&histogram), 5));
        let others = [
            noise("1", 1).noisy_cell(cell("team_b", "2026-W40"), exact(&histogram), 5),
            noise("1", 1).noisy_cell(cell("team_a", "2026-W41"), exact(&histogram), 5),
            noise("1", 2).noisy_cell(cell("team_a", "2026-W40"), exact(&histogram), 5),
        ];
        for other in &others {
            assert_ne!(&first, other);
        }
    }

    #[test]
    fn noisy_figures_stay_plausible() {
        let histogram = [0, 0, 30, 0, 0];
        for week in 1..=30 {
            let figures =
                noise("0.5", 1).noisy_cell(cell("t", &format!("2026-W{week:02}")), exact(&histogram), 5);
            assert!(figures.n >= 5);
            assert!((1.0..=5.0).contains(&figures.mean), "{figures:?}");
            assert_eq!(figures.histogram.len(), 5);
        }
    }

    #[test]
    fn the_stream_differs_by_seed_and_repeats_by_seed() {
        let mut a = NoiseStream::new(&[1; 32], &[b"x"]);
        let mut b = NoiseStream::new(&[1; 32], &[b"x"]);
        let mut c = NoiseStream::new(&[1; 32], &[b"y"]);
        let words_a: Vec<u64> = (0..9).map(|_| a.next_u64()).collect();
        let words_b: Vec<u64> = (0..9).map(|_| b.next_u64()).collect();
        let words_c: Vec<u64> = (0..9).map(|_| c.next_u64()).collect();
        assert_eq!(words_a, words_b);
        assert_ne!(words_a, words_c);
    }
}
