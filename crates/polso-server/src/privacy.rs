//! Differential-privacy noise on released cells, drawn once at publication.
//!
//! Differential privacy is on by default for new organisations
//! ([`DEFAULT_EPSILON_PER_CELL`]); the administrator changes it with
//! `set-dp`, never a request. Each released cell spends ε in three shares
//! (basic composition):
//!
//! - 1/3 on its count n, sensitivity 1 (one device adds at most one report);
//! - 1/2 on its sum of values taken about the scale's middle, in half-units
//!   rounded to whole numbers (metric scores are 0–100 floats), sensitivity =
//!   the scale's range (one device moves it by at most that much);
//! - 1/6 on its histogram, one noise per bin, L1 sensitivity 1 (one device
//!   adds one answer to one bin), only when the cell reaches the histogram
//!   minimum; otherwise no histogram and no sd leave, and that share is not
//!   spent.
//!
//! each with discrete Laplace noise of scale Δ / ε_share from
//! [`polso_core::dp`]. The mean is the noisy sum over the noisy count, the
//! standard deviation is computed from the noisy histogram: post-processing,
//! which spends no budget. Counts are clamped to at least k and bins to at
//! least 0, also post-processing.
//!
//! The noise's random bits come from HMAC-SHA256 in counter mode keyed by 32
//! bytes of the operating system's randomness drawn for each publication
//! ([`PublicationRandomness`]), and are never stored: the noisy figures are
//! stored in the published snapshot and served from there. So a cell's noise
//! is drawn exactly once: repeated reads, fake reports or late reports cannot
//! re-draw it, and nobody, the operator included, can recompute it.

use polso_core::Metric;
use polso_core::bank::ItemBank;
// How ε per cell is shared: `polso_core::dp`'s divisors (1/3 count, 1/2 sum, 1/6 histogram).
use polso_core::dp::{
    DiscreteLaplace, EPSILON_SHARE_COUNT as COUNT_SHARE, EPSILON_SHARE_HISTOGRAM as HISTOGRAM_SHARE,
    EPSILON_SHARE_SUM as SUM_SHARE, Epsilon, RandomBits,
};

use crate::secrets::{Hash32, keyed_hash, random_bytes};

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

    /// The value a histogram bin stands for: the point, or the bin's middle.
    fn bin_value(self, bin: usize) -> f64 {
        match self {
            ValueScale::Item { min, .. } => f64::from(min) + bin as f64,
            ValueScale::Score => (bin as f64 * 10.0 + 5.0).min(100.0),
        }
    }

    /// The units the noise counts a sum in: the item's points, or whole
    /// points of a 0–100 score.
    fn sum_units(self) -> SumUnits {
        match self {
            ValueScale::Item { min, max } => SumUnits {
                offset: i64::from(min),
                range: u32::from(max.saturating_sub(min)).max(1),
                unit: 1.0,
            },
            ValueScale::Score => SumUnits { offset: 0, range: 100, unit: 1.0 },
        }
    }

    pub(crate) fn n_bins(self) -> usize {
        match self {
            ValueScale::Item { min, max } => usize::from(max.saturating_sub(min)) + 1,
            ValueScale::Score => METRIC_HISTOGRAM_BINS,
        }
    }
}

/// ε per released cell for a new organisation: see docs/threat-model.md for
/// how it was chosen and what it means per person and year.
/// 13/2 is the smallest ε for which a team of 10's released mean is within
/// ±5 points (on 0–100) of the exact mean at least 90% of the time
/// (`scripts/dp_calibration.py`).
pub const DEFAULT_EPSILON_PER_CELL: (u64, u64) = (13, 2);

/// Bins of a metric score's histogram, as reports are counted in it and cells released from it:
/// ten of ten points, 100 in the last.
pub const METRIC_HISTOGRAM_BINS: usize = 10;

/// The default ε per released cell as an [`Epsilon`].
pub fn default_epsilon_per_cell() -> Epsilon {
    let (numerator, denominator) = DEFAULT_EPSILON_PER_CELL;
    Epsilon::from_ratio(numerator, denominator).expect("the default ε is a valid ratio")
}

/// Everything the noise of one key's cells depends on.
#[derive(Debug, Clone, Copy)]
pub struct CellNoise {
    epsilon: Epsilon,
    scale: ValueScale,
}

impl CellNoise {
    /// The noise of cells of a key on `scale`, under ε per cell.
    pub fn new(epsilon: Epsilon, scale: ValueScale) -> CellNoise {
        CellNoise { epsilon, scale }
    }

    /// The ε one released cell spends, with or without its histogram.
    pub fn epsilon_spent(&self, with_histogram: bool) -> f64 {
        let count_and_sum = self.epsilon.split(COUNT_SHARE).to_f64() + self.epsilon.split(SUM_SHARE).to_f64();
        if with_histogram {
            count_and_sum + self.epsilon.split(HISTOGRAM_SHARE).to_f64()
        } else {
            count_and_sum
        }
    }

    /// The noisy figures of one released cell of exact count `n`, sum `sum`
    /// and `histogram`; the histogram and sd only `with_histogram`.
    pub fn noisy_cell(
        &self,
        exact: ExactFigures<'_>,
        k: u32,
        with_histogram: bool,
        random: &mut dyn RandomBits,
    ) -> NoisyFigures {
        let units = self.scale.sum_units();
        let n_bins = exact.histogram.len().max(self.scale.n_bins());
        let noise = self.draw(u64::from(units.range), n_bins, with_histogram, random);
        // The sum is taken about the scale's middle, in half-units: each value
        // v gives 2v − 2·min − range, within ±range, so one person moves it
        // by at most the range and an error in the noisy count moves the mean
        // far less than a sum taken from the minimum would.
        let range = f64::from(units.range);
        let centred_sum =
            (2.0 * exact.sum - f64::from(exact.n) * (2.0 * self.scale.min() + range)).round() as i64;
        let noisy = NoisyIntegers {
            n: i64::from(exact.n) + noise.count,
            centred_sum: centred_sum + noise.sum,
            histogram: noise.bins.map(|bins| {
                bins.iter()
                    .enumerate()
                    .map(|(bin, noise)| i64::from(exact.histogram.get(bin).copied().unwrap_or(0)) + noise)
                    .collect()
            }),
        };
        self.finish(noisy, units, k)
    }

    /// The noise of one released cell, drawn once: for its count
    /// (sensitivity 1), its centred sum (sensitivity `sum_range`, the most
    /// one report moves it) and, `with_histogram`, each of its `n_bins` bins
    /// (sensitivity 1). In two-server mode each server draws its own and
    /// adds it to its share, so neither knows the noise of what is released.
    pub fn draw(
        &self,
        sum_range: u64,
        n_bins: usize,
        with_histogram: bool,
        random: &mut dyn RandomBits,
    ) -> NoiseDraw {
        // Sensitivity 1 and a sum's range (at most 255 for an item, a few
        // hundred for a score's numerator) are valid for every ε an
        // organisation can hold (`Epsilon` caps its denominator).
        let count_noise =
            DiscreteLaplace::for_query(1, self.epsilon.split(COUNT_SHARE)).expect("sensitivity 1 is valid");
        let sum_noise = DiscreteLaplace::for_query(sum_range.max(1), self.epsilon.split(SUM_SHARE))
            .expect("the scale's range is valid");
        let count = count_noise.sample(random);
        let sum = sum_noise.sample(random);
        let bins = with_histogram.then(|| {
            let histogram_noise = DiscreteLaplace::for_query(1, self.epsilon.split(HISTOGRAM_SHARE))
                .expect("sensitivity 1 is valid");
            (0..n_bins).map(|_| histogram_noise.sample(random)).collect()
        });
        NoiseDraw { count, sum, bins }
    }

    /// The released figures from noisy whole-number figures (post-processing,
    /// which spends no budget): the count clamped to at least `k`, the mean
    /// from the centred sum within the scale, bins clamped to at least 0 and
    /// the sd computed from them.
    pub fn finish(&self, noisy: NoisyIntegers, units: SumUnits, k: u32) -> NoisyFigures {
        let noisy_n = noisy.n.max(i64::from(k));
        let range = i64::from(units.range);
        let centred = noisy.centred_sum.clamp(-noisy_n * range, noisy_n * range);
        let mean =
            (units.offset as f64 + range as f64 / 2.0 + centred as f64 / (2.0 * noisy_n as f64)) * units.unit;
        let histogram: Option<Vec<u32>> = noisy
            .histogram
            .map(|bins| bins.iter().map(|&count| u32::try_from(count.max(0)).unwrap_or(u32::MAX)).collect());
        let sd = histogram.as_deref().map(|histogram| self.sd_of_histogram(histogram));
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

/// How a cell's sum is counted for the noise: each value is `(offset + u) ×
/// unit` for a whole `u` from 0 to `range`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SumUnits {
    /// The lowest value, in units.
    pub offset: i64,
    /// The span of the values, in units: the sum's sensitivity.
    pub range: u32,
    /// A unit's worth on the released scale.
    pub unit: f64,
}

/// The noise of one released cell (see [`CellNoise::draw`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoiseDraw {
    /// Added to the count.
    pub count: i64,
    /// Added to the centred sum.
    pub sum: i64,
    /// Added to each bin, when the histogram is released.
    pub bins: Option<Vec<i64>>,
}

/// A released cell's figures as noisy whole numbers, before post-processing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoisyIntegers {
    /// The count.
    pub n: i64,
    /// The sum taken about the scale's middle, in half-units:
    /// `2 · Σu − n · range`.
    pub centred_sum: i64,
    /// The bins, when the histogram is released.
    pub histogram: Option<Vec<i64>>,
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
    /// The standard deviation of the noisy histogram, when it is released.
    pub sd: Option<f64>,
    /// The noisy histogram, no bin below 0, when it is released.
    pub histogram: Option<Vec<u32>>,
}

/// The random bits of one publication: HMAC-SHA256 in counter mode under a
/// key of 32 bytes from the operating system, drawn when the publication
/// starts and dropped with it.
pub struct PublicationRandomness {
    key: Hash32,
    counter: u64,
    block: [u8; 32],
    used: usize,
}

impl std::fmt::Debug for PublicationRandomness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicationRandomness").finish_non_exhaustive()
    }
}

impl PublicationRandomness {
    /// Fresh randomness from the operating system.
    pub fn from_os() -> crate::error::Result<PublicationRandomness> {
        Ok(PublicationRandomness::from_key(random_bytes::<32>()?))
    }

    /// A stream under a given key: for tests that need repeatable noise.
    pub fn from_key(key: Hash32) -> PublicationRandomness {
        PublicationRandomness { key, counter: 0, block: [0; 32], used: 32 }
    }
}

impl RandomBits for PublicationRandomness {
    fn next_u64(&mut self) -> u64 {
        if self.used == 32 {
            self.block = keyed_hash(&self.key, &[b"polso dp stream v2", &self.counter.to_le_bytes()]);
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

    fn noise(epsilon: &str) -> CellNoise {
        CellNoise::new(epsilon.parse().unwrap(), ValueScale::Item { min: 1, max: 5 })
    }

    fn exact(histogram: &[u32]) -> ExactFigures<'_> {
        let n = histogram.iter().sum();
        let sum =
            histogram.iter().enumerate().map(|(bin, &count)| f64::from(count) * (bin as f64 + 1.0)).sum();
        ExactFigures { n, sum, histogram }
    }

    #[test]
    fn two_publications_draw_different_noise_and_one_key_repeats_it() {
        let histogram = [2, 3, 10, 12, 3];
        let draw = |key: [u8; 32]| {
            let mut random = PublicationRandomness::from_key(key);
            (0..5).map(|_| noise("1").noisy_cell(exact(&histogram), 5, true, &mut random)).collect::<Vec<_>>()
        };
        assert_eq!(draw([1; 32]), draw([1; 32]));
        assert_ne!(draw([1; 32]), draw([2; 32]));
        let mut from_os = PublicationRandomness::from_os().unwrap();
        let mut other_os = PublicationRandomness::from_os().unwrap();
        assert_ne!(from_os.next_u64(), other_os.next_u64());
    }

    #[test]
    fn noisy_figures_stay_plausible_and_histograms_leave_only_when_asked() {
        let histogram = [0, 0, 30, 0, 0];
        let mut random = PublicationRandomness::from_key([3; 32]);
        for _ in 0..30 {
            let figures = noise("0.5").noisy_cell(exact(&histogram), 5, true, &mut random);
            assert!(figures.n >= 5);
            assert!((1.0..=5.0).contains(&figures.mean), "{figures:?}");
            assert_eq!(figures.histogram.as_ref().map(Vec::len), Some(5));
            let without = noise("0.5").noisy_cell(exact(&histogram), 5, false, &mut random);
            assert_eq!((without.sd, without.histogram), (None, None));
        }
        assert!((noise("6").epsilon_spent(true) - 6.0).abs() < 1e-12);
        assert!((noise("6").epsilon_spent(false) - 5.0).abs() < 1e-12);
    }
}
