//! SplitMix64 (Steele, Lea and Flood, 2014): a tiny, fast, well-mixed
//! generator, enough to derive reproducible draws from a seed: the schedule's
//! rotation, the demo's data, the tests' synthetic data. Written once here.
//! Not for secrets, and not for differential-privacy noise (that comes from
//! the operating system's randomness, `crate::dp::RandomBits`).

/// The generator: the same seed, the same sequence, on every machine.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

/// The golden-ratio increment of SplitMix64.
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

impl SplitMix64 {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GAMMA);
        let mut mixed = self.state;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        mixed ^ (mixed >> 31)
    }

    /// A number in `0..bound` (`bound` > 0), by Lemire's multiply-shift; its
    /// bias is below 2^-60 for the small bounds used here.
    pub fn below(&mut self, bound: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(bound)) >> 64) as u64
    }

    /// Shuffles `values` in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, values: &mut [T]) {
        for last in (1..values.len()).rev() {
            let other = self.below(last as u64 + 1) as usize;
            values.swap(last, other);
        }
    }

    /// Uniform on [0, 1), from the top 53 bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

impl crate::dp::RandomBits for SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        SplitMix64::next_u64(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference sequence of SplitMix64 from seed 1234567 (as in the
    /// authors' and Vigna's C code), so a change to the mixing shows.
    #[test]
    fn the_sequence_is_splitmix64s() {
        let mut random = SplitMix64::new(1_234_567);
        let first: Vec<u64> = (0..3).map(|_| random.next_u64()).collect();
        assert_eq!(first, [6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423]);
    }

    #[test]
    fn below_stays_below_and_shuffle_keeps_every_value() {
        let mut random = SplitMix64::new(9);
        assert!((0..1000).all(|_| random.below(7) < 7));
        let mut values: Vec<u32> = (0..50).collect();
        random.shuffle(&mut values);
        let mut sorted = values.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        assert_ne!(values, sorted);
        assert!((0..1000).all(|_| (0.0..1.0).contains(&random.uniform())));
    }
}
