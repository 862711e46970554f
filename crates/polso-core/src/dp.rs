//! Differential privacy for released cells: an exact sampler of the discrete
//! Laplace distribution (DESIGN.md, privacy model point 5).
//!
//! The sampler follows Canonne, Kamath and Steinke, "The Discrete Gaussian for
//! Differential Privacy" (2020), algorithms 1 and 2: it draws only uniform
//! integers and Bernoulli trials of rational probability, so no floating-point
//! value ever touches the noise and its low bits cannot leak the true value
//! (Mironov, 2012). Every parameter is a ratio of integers.
//!
//! Discrete Laplace with scale `t`: P(X = x) ∝ exp(−|x| / t) for every integer
//! x. Adding it with `t = Δ / ε` to an integer query whose value one person can
//! change by at most `Δ` is ε-differentially private.
//!
//! Pure: no IO and no randomness of its own. Callers pass a [`RandomBits`]
//! source; the server passes a keyed-hash stream so a cell's noise is fixed.

/// Why a differential-privacy parameter is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DpError {
    /// ε is not a positive decimal number within the accepted range.
    #[error(
        "epsilon must be a decimal number from {min} to {max} with at most {max_decimals} decimals, not '{given}'",
        min = Epsilon::MIN_TEXT,
        max = Epsilon::MAX_TEXT,
        max_decimals = Epsilon::MAX_DECIMALS
    )]
    InvalidEpsilon {
        /// The text given.
        given: String,
    },
    /// The sensitivity is zero, or the scale does not fit in 64 bits.
    #[error("a sensitivity of {sensitivity} cannot be used with this epsilon")]
    InvalidSensitivity {
        /// The sensitivity asked for.
        sensitivity: u64,
    },
}

/// A source of uniformly random 64-bit words.
pub trait RandomBits {
    /// The next 64 uniformly random bits.
    fn next_u64(&mut self) -> u64;
}

/// How ε per released cell is shared among the values the cell releases, as divisors of ε:
/// 1/3 to its count, 1/2 to its centred sum, 1/6 to its histogram (basic composition; the split
/// `scripts/dp_calibration.py` found best for the mean's accuracy). The server noises with it and
/// the app bounds a released mean's noise with it, so they cannot drift apart.
pub const EPSILON_SHARE_COUNT: u64 = 3;
/// The divisor of ε per cell for a cell's centred sum ([`EPSILON_SHARE_COUNT`]).
pub const EPSILON_SHARE_SUM: u64 = 2;
/// The divisor of ε per cell for a cell's histogram ([`EPSILON_SHARE_COUNT`]).
pub const EPSILON_SHARE_HISTOGRAM: u64 = 6;

/// The privacy parameter ε, kept as an exact ratio `numerator / denominator`
/// so that the noise's scale is exact too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Epsilon {
    numerator: u64,
    denominator: u64,
}

impl Epsilon {
    /// The most decimals ε may be given with.
    pub const MAX_DECIMALS: u32 = 4;
    /// The smallest ε accepted, as text.
    pub const MIN_TEXT: &'static str = "0.01";
    /// The largest ε accepted, as text: beyond it the noise is negligible and
    /// calling the result private would mislead.
    pub const MAX_TEXT: &'static str = "10";

    /// ε as an exact ratio; `None` when it is outside [0.01, 10] or the
    /// denominator is zero.
    pub fn from_ratio(numerator: u64, denominator: u64) -> Option<Epsilon> {
        if denominator == 0 {
            return None;
        }
        // 0.01 <= n/d <= 10, compared without division.
        let at_least_minimum = u128::from(numerator) * 100 >= u128::from(denominator);
        let at_most_maximum = u128::from(numerator) <= u128::from(denominator) * 10;
        if !(at_least_minimum && at_most_maximum) {
            return None;
        }
        let divisor = gcd(numerator, denominator);
        Some(Epsilon { numerator: numerator / divisor, denominator: denominator / divisor })
    }

    /// The numerator of the reduced ratio.
    pub fn numerator(self) -> u64 {
        self.numerator
    }

    /// The denominator of the reduced ratio.
    pub fn denominator(self) -> u64 {
        self.denominator
    }

    /// ε divided by `parts`, for splitting one cell's budget among the values
    /// it releases (basic composition).
    pub fn split(self, parts: u64) -> Epsilon {
        let parts = parts.max(1);
        let divisor = gcd(self.numerator, parts);
        Epsilon { numerator: self.numerator / divisor, denominator: self.denominator * (parts / divisor) }
    }

    /// ε as a float, for display and for the theoretical variance only.
    pub fn to_f64(self) -> f64 {
        self.numerator as f64 / self.denominator as f64
    }
}

impl std::str::FromStr for Epsilon {
    type Err = DpError;

    /// Parses a plain decimal such as `1`, `0.5` or `2.25`.
    fn from_str(text: &str) -> Result<Epsilon, DpError> {
        let invalid = || DpError::InvalidEpsilon { given: text.to_owned() };
        let trimmed = text.trim();
        let (whole, fraction) = trimmed.split_once('.').unwrap_or((trimmed, ""));
        let all_digits = |part: &str| part.chars().all(|character| character.is_ascii_digit());
        if whole.is_empty()
            || whole.len() > 3
            || !all_digits(whole)
            || !all_digits(fraction)
            || fraction.len() > Epsilon::MAX_DECIMALS as usize
            || (trimmed.contains('.') && fraction.is_empty())
        {
            return Err(invalid());
        }
        let decimals = u32::try_from(fraction.len()).map_err(|_| invalid())?;
        let digits: u64 = format!("{whole}{fraction}").parse().map_err(|_| invalid())?;
        Epsilon::from_ratio(digits, 10u64.pow(decimals)).ok_or_else(invalid)
    }
}

impl std::fmt::Display for Epsilon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.denominator == 1 {
            write!(f, "{}", self.numerator)
        } else {
            write!(f, "{}/{}", self.numerator, self.denominator)
        }
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

/// The discrete Laplace distribution with scale `scale_numerator / scale_denominator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiscreteLaplace {
    /// `t` in CKS20's algorithm 2 (scale = t / s).
    scale_numerator: u64,
    /// `s` in CKS20's algorithm 2.
    scale_denominator: u64,
}

impl DiscreteLaplace {
    /// The mechanism for a query of sensitivity `sensitivity` under `epsilon`:
    /// scale = sensitivity / ε.
    pub fn for_query(sensitivity: u64, epsilon: Epsilon) -> Result<DiscreteLaplace, DpError> {
        let scale_numerator = sensitivity
            .checked_mul(epsilon.denominator)
            .filter(|numerator| *numerator > 0 && *numerator < (1 << 48))
            .ok_or(DpError::InvalidSensitivity { sensitivity })?;
        let divisor = gcd(scale_numerator, epsilon.numerator);
        Ok(DiscreteLaplace {
            scale_numerator: scale_numerator / divisor,
            scale_denominator: epsilon.numerator / divisor,
        })
    }

    /// The scale t as a float, for documentation and tests.
    pub fn scale(self) -> f64 {
        self.scale_numerator as f64 / self.scale_denominator as f64
    }

    /// The distribution's variance, 2p / (1 − p)² with p = exp(−1/scale).
    pub fn variance(self) -> f64 {
        let p = (-1.0 / self.scale()).exp();
        2.0 * p / ((1.0 - p) * (1.0 - p))
    }

    /// One sample (CKS20, algorithm 2).
    pub fn sample(self, random: &mut dyn RandomBits) -> i64 {
        let t = self.scale_numerator;
        let s = self.scale_denominator;
        loop {
            let u = uniform_below(random, t);
            if !bernoulli_exp(random, u, t) {
                continue;
            }
            let mut v: u64 = 0;
            while bernoulli_exp(random, 1, 1) {
                v += 1;
            }
            // t < 2^48 and v stays tiny (P(v >= 40) < e^-40), so this does not
            // overflow; saturate rather than wrap if it ever would.
            let x = u.saturating_add(t.saturating_mul(v));
            let y = x / s;
            let negative = random.next_u64() & 1 == 1;
            if negative && y == 0 {
                continue;
            }
            let magnitude = i64::try_from(y).unwrap_or(i64::MAX);
            return if negative { -magnitude } else { magnitude };
        }
    }
}

/// A uniform integer in `0..bound` (`bound > 0`), by rejection: exact.
fn uniform_below(random: &mut dyn RandomBits, bound: u64) -> u64 {
    debug_assert!(bound > 0);
    // The largest multiple of `bound` that fits; draws at or above it are rejected.
    let zone = u64::MAX - (u64::MAX % bound + 1) % bound;
    loop {
        let draw = random.next_u64();
        if draw <= zone || zone == u64::MAX {
            return draw % bound;
        }
    }
}

/// Bernoulli(numerator / denominator), exactly.
fn bernoulli(random: &mut dyn RandomBits, numerator: u64, denominator: u64) -> bool {
    uniform_below(random, denominator) < numerator
}

/// Bernoulli(exp(−numerator / denominator)), exactly (CKS20, algorithm 1).
fn bernoulli_exp(random: &mut dyn RandomBits, numerator: u64, denominator: u64) -> bool {
    let mut numerator = numerator;
    // exp(−γ) = exp(−1)^⌊γ⌋ · exp(−(γ − ⌊γ⌋)).
    while numerator > denominator {
        if !bernoulli_exp_at_most_one(random, 1, 1) {
            return false;
        }
        numerator -= denominator;
    }
    bernoulli_exp_at_most_one(random, numerator, denominator)
}

/// Bernoulli(exp(−γ)) for γ = numerator / denominator in [0, 1].
fn bernoulli_exp_at_most_one(random: &mut dyn RandomBits, numerator: u64, denominator: u64) -> bool {
    let mut k: u64 = 1;
    loop {
        // Bernoulli(γ / k); k grows only while the trials succeed, with
        // probability γ^k / k!, so it stays small.
        let Some(scaled_denominator) = denominator.checked_mul(k) else {
            return k % 2 == 1;
        };
        if !bernoulli(random, numerator, scaled_denominator) {
            return k % 2 == 1;
        }
        k += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // SplitMix64: a fast, well-mixed source for the statistical tests.
    use crate::splitmix::SplitMix64;

    fn epsilon(text: &str) -> Epsilon {
        text.parse().unwrap()
    }

    #[test]
    fn epsilon_parses_plain_decimals_only() {
        assert_eq!(epsilon("1"), Epsilon::from_ratio(1, 1).unwrap());
        assert_eq!(epsilon("0.5"), Epsilon::from_ratio(1, 2).unwrap());
        assert_eq!(epsilon("2.25").to_string(), "9/4");
        assert_eq!(epsilon("10").to_string(), "10");
        assert_eq!(epsilon("0.01").to_string(), "1/100");
        for bad in ["", "0", "0.009", "10.0001", "-1", "1e3", "1.", ".5", "abc", "0.00001", "NaN", "1/2"] {
            assert!(bad.parse::<Epsilon>().is_err(), "{bad:?} was accepted");
        }
        assert_eq!(epsilon("1").split(3), Epsilon::from_ratio(1, 3).unwrap());
        assert_eq!(epsilon("0.3").split(3), Epsilon::from_ratio(1, 10).unwrap());
    }

    #[test]
    fn scale_is_sensitivity_over_epsilon() {
        let mechanism = DiscreteLaplace::for_query(4, epsilon("0.5")).unwrap();
        assert_eq!(mechanism.scale(), 8.0);
        assert!(DiscreteLaplace::for_query(0, epsilon("1")).is_err());
    }

    #[test]
    fn uniform_and_bernoulli_are_exact_on_small_bounds() {
        let mut random = SplitMix64::new(1);
        let mut counts = [0u32; 3];
        for _ in 0..30_000 {
            counts[uniform_below(&mut random, 3) as usize] += 1;
        }
        for count in counts {
            assert!((9_500..10_500).contains(&count), "{counts:?}");
        }
        let hits = (0..40_000).filter(|_| bernoulli_exp(&mut random, 1, 1)).count() as f64 / 40_000.0;
        assert!((hits - (-1.0f64).exp()).abs() < 0.01, "{hits}");
        let hits = (0..40_000).filter(|_| bernoulli_exp(&mut random, 5, 2)).count() as f64 / 40_000.0;
        assert!((hits - (-2.5f64).exp()).abs() < 0.01, "{hits}");
    }

    /// Mean ≈ 0 and variance ≈ 2p/(1−p)² over many samples, for small and
    /// large scales; and the pmf's ratio P(1)/P(0) ≈ exp(−1/t).
    #[test]
    fn samples_follow_the_discrete_laplace_distribution() {
        for (sensitivity, epsilon_text) in [(1, "1"), (3, "0.5"), (100, "1"), (1, "3")] {
            let mechanism = DiscreteLaplace::for_query(sensitivity, epsilon(epsilon_text)).unwrap();
            let mut random = SplitMix64::new(sensitivity ^ 0xD1CE);
            let n_samples = 60_000;
            let samples: Vec<i64> = (0..n_samples).map(|_| mechanism.sample(&mut random)).collect();
            let mean = samples.iter().sum::<i64>() as f64 / n_samples as f64;
            let variance =
                samples.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / (n_samples - 1) as f64;
            let expected = mechanism.variance();
            let standard_error_of_mean = (expected / n_samples as f64).sqrt();
            assert!(
                mean.abs() < 5.0 * standard_error_of_mean,
                "Δ={sensitivity} ε={epsilon_text}: mean {mean}"
            );
            assert!(
                (variance / expected - 1.0).abs() < 0.06,
                "Δ={sensitivity} ε={epsilon_text}: variance {variance}, expected {expected}"
            );
            if mechanism.scale() <= 3.0 {
                let zeros = samples.iter().filter(|&&x| x == 0).count() as f64;
                let ones = samples.iter().filter(|&&x| x == 1).count() as f64;
                let ratio = ones / zeros;
                let want = (-1.0 / mechanism.scale()).exp();
                assert!((ratio - want).abs() < 0.05, "P(1)/P(0) = {ratio}, want {want}");
            }
            assert!(samples.iter().any(|&x| x < 0) && samples.iter().any(|&x| x > 0));
        }
    }

    #[test]
    fn the_same_bits_give_the_same_sample() {
        let mechanism = DiscreteLaplace::for_query(5, epsilon("0.2")).unwrap();
        let first: Vec<i64> = (0..5).map(|_| mechanism.sample(&mut SplitMix64::new(42))).collect();
        assert!(first.windows(2).all(|pair| pair[0] == pair[1]));
    }
}
