//! Deterministic synthetic EX and CX series with a planted relation, for the linkage tests.
//!
//! Ten teams, two years of weeks. EX engagement follows an AR(1) process per team (φ = 0.3, unit
//! variance, scaled to 5 points around the team's level); CSAT three weeks later is the team's level
//! plus 2 points × (0.3 · standardized engagement + √(1 − 0.09) · AR(1) noise), so the population
//! within-team correlation at lag 3 is 0.3 (Harter, Schmidt and Hayes's order of size) and only its
//! echoes through the autocorrelation (0.3 · 0.3^|L − 3|) at other lags. Wellbeing, NPS, a
//! coarse integer FCR (ties for Spearman) and a short custom metric for three teams (cells with
//! not enough data) carry no planted relation. About 5% of cells are missing, as suppressed cells
//! are, and one team joins late.

use polso_core::Metric;
use polso_core::cx::CxMetric;
use polso_core::linkage::{CxObservation, ExObservation};
use polso_core::week::IsoWeek;

/// SplitMix64 (`polso_core::splitmix`), so every run sees the same data.
pub struct TestRandom(polso_core::splitmix::SplitMix64);

impl TestRandom {
    pub fn new(seed: u64) -> TestRandom {
        TestRandom(polso_core::splitmix::SplitMix64::new(seed))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform on [0, 1).
    pub fn uniform(&mut self) -> f64 {
        self.0.uniform()
    }

    /// Standard normal, by Box–Muller.
    pub fn normal(&mut self) -> f64 {
        let u1 = self.uniform().max(f64::MIN_POSITIVE);
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// `len` values of a stationary AR(1) process with unit variance.
    pub fn ar1(&mut self, phi: f64, len: usize) -> Vec<f64> {
        let innovation_scale = (1.0 - phi * phi).sqrt();
        let mut value = self.normal();
        (0..len)
            .map(|_| {
                let current = value;
                value = phi * value + innovation_scale * self.normal();
                current
            })
            .collect()
    }
}

/// The planted relation: EX engagement leads CSAT by this many weeks.
pub const PLANTED_LAG_WEEKS: u32 = 3;

/// The planted population within-team correlation.
pub const PLANTED_R: f64 = 0.3;

pub const TEAMS: usize = 10;
pub const WEEKS: usize = 104;

pub struct SyntheticData {
    pub ex: Vec<ExObservation>,
    pub cx: Vec<CxObservation>,
}

pub fn first_week() -> IsoWeek {
    IsoWeek::new(2024, 1).expect("2024-W01 exists")
}

/// Generates the data set described in the module header from `seed`.
pub fn generate(seed: u64) -> SyntheticData {
    let mut random = TestRandom::new(seed);
    let first = first_week().index();
    let lag = PLANTED_LAG_WEEKS as usize;
    let mut ex = Vec::new();
    let mut cx = Vec::new();
    for team_number in 0..TEAMS {
        let team = format!("Team {team_number:02}");
        // One team joins 70 weeks in.
        let start = if team_number == 9 { 70 } else { 0 };
        let level = random.normal();
        let engagement = random.ar1(0.3, WEEKS + lag);
        let csat_noise = random.ar1(0.4, WEEKS);
        let wellbeing = random.ar1(0.5, WEEKS);
        let nps = random.ar1(0.2, WEEKS);
        let fcr = random.ar1(0.3, WEEKS);
        let keep = |random: &mut TestRandom| random.uniform() >= 0.05;
        for week in start..WEEKS {
            let iso_week = IsoWeek::from_index(first + week as i64);
            // engagement[week + lag] is the value of `week`; engagement[week] is `week − lag`.
            let ex_values = [
                (Metric::Engagement, 62.0 + 4.0 * level + 5.0 * engagement[week + lag]),
                (Metric::Wellbeing, 70.0 + 3.0 * level + 4.0 * wellbeing[week]),
            ];
            for (metric, value) in ex_values {
                if keep(&mut random) {
                    ex.push(ExObservation { team: team.clone(), week: iso_week, metric, value });
                }
            }
            let csat = 80.0
                + 3.0 * level
                + 2.0
                    * (PLANTED_R * engagement[week]
                        + (1.0 - PLANTED_R * PLANTED_R).sqrt() * csat_noise[week]);
            let cx_values = [
                (CxMetric::Csat, csat),
                (CxMetric::Nps, 30.0 + 10.0 * nps[week]),
                (CxMetric::FirstContactResolution, (70.0 + 2.0 * fcr[week]).round()),
            ];
            for (metric, value) in cx_values {
                if keep(&mut random) {
                    // About one cell in 17 from too few customers, to be left out (issue 15).
                    let n_responses = if (team_number + week) % 17 == 0 { 12 } else { 60 };
                    let n_responses = Some(n_responses);
                    cx.push(CxObservation { team: team.clone(), week: iso_week, metric, value, n_responses });
                }
            }
            if team_number < 3 && week < 8 {
                let value = 5.0 + random.normal();
                let metric = CxMetric::Custom("wait_minutes".to_owned());
                cx.push(CxObservation {
                    team: team.clone(),
                    week: iso_week,
                    metric,
                    value,
                    n_responses: None,
                });
            }
        }
    }
    SyntheticData { ex, cx }
}
