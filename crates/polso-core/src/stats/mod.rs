//! General statistics used by the EX–CX linkage ([`crate::linkage`]), HR's heatmap (polso-hr) and
//! any later analysis, none of them specific to EX or CX. Kept apart from the linkage so that each
//! function is written once and tested against its textbook definition or scipy here (issue 18).
//!
//! One file per concern, each depending only on those above it:
//!
//! - [`special`]: the incomplete beta function and `ln Γ` behind Student's t;
//! - [`descriptive`]: the mean, the median, values centred on their mean, Kish's ratio for weights;
//! - [`distributions`]: the standard normal, Student's t (p-values and quantiles), chi-squared;
//! - [`correlation`]: Pearson (plain and weighted), Spearman on average ranks, the least-squares
//!   line;
//! - [`inference`]: Fisher-z statistics and intervals, a correlation's p-value, power and the
//!   sample size for it;
//! - [`multiple_testing`]: Benjamini–Hochberg and the false-coverage level of Benjamini–Yekutieli;
//! - [`meta_analysis`]: DerSimonian–Laird random effects with Cochran's Q and I².
//!
//! Everything is reached from here (`polso_core::stats::pearson`); the files are private.
//!
//! Pure: no IO, no clock, no randomness.

mod correlation;
mod descriptive;
mod distributions;
mod inference;
mod meta_analysis;
mod multiple_testing;
mod special;

pub use correlation::{average_ranks, ordinary_least_squares, pearson, spearman, weighted_pearson};
pub use descriptive::{demean, kish_ratio, mean, median};
pub use distributions::{
    NORMAL_QUANTILE_975, chi_squared_survival, normal_cdf, normal_quantile, students_t_quantile_two_sided,
    students_t_two_sided_p,
};
pub use inference::{
    correlation_p_value, correlation_power, fisher_z_interval, fisher_z_interval_at, fisher_z_statistic,
    sample_size_for_power,
};
pub use meta_analysis::{RandomEffects, dersimonian_laird};
pub use multiple_testing::{benjamini_hochberg, false_coverage_confidence};

/// Whether `actual` is within `tolerance` of `expected`: the tests' comparison with reference values.
#[cfg(test)]
fn close(actual: f64, expected: f64, tolerance: f64) -> bool {
    (actual - expected).abs() <= tolerance
}
