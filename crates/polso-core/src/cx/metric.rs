//! The customer-experience metrics Polso knows (NPS, CSAT, CES, first-contact resolution) and
//! custom ones by key: their stable keys, the labels that name them in English and Italian, and
//! their scales (an aggregated value's range, a single answer's scale).
//!
//! Pure: no IO.

use std::fmt;

use super::label::{custom_key, fold};

/// Longest key of a custom CX metric, in bytes.
pub const MAX_CUSTOM_METRIC_KEY_LEN: usize = 64;

/// Metric labels (folded) that name effort without saying its direction: refused by
/// [`super::parse_cx_csv`] (module header of [`crate::cx`]). "Sforzo" is Italian for effort.
pub(crate) const EFFORT_LABELS: &[&str] =
    &["sforzo", "sforzodelcliente", "sforzocliente", "effort", "customereffort"];

/// A customer-experience metric.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CxMetric {
    /// Net Promoter Score: % promoters (9–10) − % detractors (0–6) on the 0–10 "would you recommend"
    /// question, from −100 to 100. Net Promoter® and NPS® are registered trademarks, and Net Promoter
    /// Score℠ a service mark, of Bain & Company, Inc., NICE Systems, Inc. and Fred Reichheld.
    Nps,
    /// Customer satisfaction: % of answers 4 or 5 on a 1–5 scale, from 0 to 100.
    Csat,
    /// Customer effort score: the mean of a 1–7 "it was easy" scale, higher is easier.
    Ces,
    /// First-contact resolution: % of contacts resolved at the first contact, from 0 to 100.
    FirstContactResolution,
    /// Any other metric, by its key (lowercase letters, digits and `_`).
    Custom(String),
}

impl CxMetric {
    /// The metric's stable key: `nps`, `csat`, `ces`, `fcr` or the custom key.
    pub fn key(&self) -> &str {
        match self {
            CxMetric::Nps => "nps",
            CxMetric::Csat => "csat",
            CxMetric::Ces => "ces",
            CxMetric::FirstContactResolution => "fcr",
            CxMetric::Custom(key) => key,
        }
    }

    /// The metric a label names, in English or Italian (`NPS`, `Net Promoter Score`, `CSAT`,
    /// `soddisfazione`, `CES`, `customer effort score`, `FCR`, `risoluzione al primo contatto`…),
    /// or a custom metric whose key is the label in lowercase with `_` between words. `None` for a
    /// label with no letter or digit, or a key longer than [`MAX_CUSTOM_METRIC_KEY_LEN`].
    pub fn from_label(label: &str) -> Option<CxMetric> {
        let folded = fold(label);
        let metric = match folded.as_str() {
            "" => return None,
            "nps" | "netpromoterscore" => CxMetric::Nps,
            "csat"
            | "customersatisfaction"
            | "customersatisfactionscore"
            | "soddisfazione"
            | "soddisfazionecliente"
            | "soddisfazionedelcliente" => CxMetric::Csat,
            "ces" | "customereffortscore" | "effortscore" | "sforzo" | "sforzodelcliente" => CxMetric::Ces,
            "fcr" | "firstcontactresolution" | "risoluzionealprimocontatto" => {
                CxMetric::FirstContactResolution
            }
            _ => {
                let key = custom_key(label);
                if key.is_empty() || key.len() > MAX_CUSTOM_METRIC_KEY_LEN {
                    return None;
                }
                CxMetric::Custom(key)
            }
        };
        Some(metric)
    }

    /// The range an aggregated value must lie in, when the metric has a fixed scale.
    pub fn value_range(&self) -> Option<(f64, f64)> {
        match self {
            CxMetric::Nps => Some((-100.0, 100.0)),
            CxMetric::Csat | CxMetric::FirstContactResolution => Some((0.0, 100.0)),
            CxMetric::Ces => Some((1.0, 7.0)),
            CxMetric::Custom(_) => None,
        }
    }

    /// The answer scale of a raw response, for the metrics that can be computed from responses.
    pub fn response_scale(&self) -> Option<(u8, u8)> {
        match self {
            CxMetric::Nps => Some((0, 10)),
            CxMetric::Csat => Some((1, 5)),
            CxMetric::Ces => Some((1, 7)),
            CxMetric::FirstContactResolution | CxMetric::Custom(_) => None,
        }
    }
}

impl fmt::Display for CxMetric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CxMetric::Nps => f.write_str("NPS"),
            CxMetric::Csat => f.write_str("CSAT"),
            CxMetric::Ces => f.write_str("CES"),
            CxMetric::FirstContactResolution => f.write_str("FCR"),
            CxMetric::Custom(key) => f.write_str(key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_labels_in_both_languages() {
        let cases = [
            ("NPS", Some(CxMetric::Nps)),
            ("Net Promoter Score", Some(CxMetric::Nps)),
            ("csat", Some(CxMetric::Csat)),
            ("Soddisfazione cliente", Some(CxMetric::Csat)),
            ("CES", Some(CxMetric::Ces)),
            ("Risoluzione al primo contatto", Some(CxMetric::FirstContactResolution)),
            ("Tempo di attesa (min)", Some(CxMetric::Custom("tempo_di_attesa_min".to_owned()))),
            ("  ", None),
            ("%%", None),
        ];
        for (label, expected) in cases {
            assert_eq!(CxMetric::from_label(label), expected, "{label}");
        }
        assert_eq!(CxMetric::Custom("x".to_owned()).key(), "x");
        assert_eq!(CxMetric::FirstContactResolution.key(), "fcr");
    }
}
