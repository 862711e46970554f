//! The one conversion between the core's [`polso_core::Metric`] and the wire's [`MetricKey`]: both
//! list the same nineteen metrics, and each match below names every one, so a metric added to one
//! enum and not the other fails to compile here instead of turning silently into another metric.

use polso_core::Metric;

use crate::MetricKey;

impl From<Metric> for MetricKey {
    fn from(metric: Metric) -> MetricKey {
        match metric {
            Metric::Wellbeing => MetricKey::Wellbeing,
            Metric::LifeSatisfaction => MetricKey::LifeSatisfaction,
            Metric::Who5 => MetricKey::Who5,
            Metric::Burnout => MetricKey::Burnout,
            Metric::Engagement => MetricKey::Engagement,
            Metric::WorkLifeBalance => MetricKey::WorkLifeBalance,
            Metric::Communication => MetricKey::Communication,
            Metric::TeamCohesion => MetricKey::TeamCohesion,
            Metric::Tools => MetricKey::Tools,
            Metric::Empowerment => MetricKey::Empowerment,
            Metric::RoleClarity => MetricKey::RoleClarity,
            Metric::Recognition => MetricKey::Recognition,
            Metric::Growth => MetricKey::Growth,
            Metric::Trust => MetricKey::Trust,
            Metric::CustomerFocus => MetricKey::CustomerFocus,
            Metric::CustomerEmpathy => MetricKey::CustomerEmpathy,
            Metric::ManagerSupport => MetricKey::ManagerSupport,
            Metric::Flexibility => MetricKey::Flexibility,
            Metric::Enps => MetricKey::Enps,
        }
    }
}

impl From<MetricKey> for Metric {
    fn from(metric: MetricKey) -> Metric {
        match metric {
            MetricKey::Wellbeing => Metric::Wellbeing,
            MetricKey::LifeSatisfaction => Metric::LifeSatisfaction,
            MetricKey::Who5 => Metric::Who5,
            MetricKey::Burnout => Metric::Burnout,
            MetricKey::Engagement => Metric::Engagement,
            MetricKey::WorkLifeBalance => Metric::WorkLifeBalance,
            MetricKey::Communication => Metric::Communication,
            MetricKey::TeamCohesion => Metric::TeamCohesion,
            MetricKey::Tools => Metric::Tools,
            MetricKey::Empowerment => Metric::Empowerment,
            MetricKey::RoleClarity => Metric::RoleClarity,
            MetricKey::Recognition => Metric::Recognition,
            MetricKey::Growth => Metric::Growth,
            MetricKey::Trust => Metric::Trust,
            MetricKey::CustomerFocus => Metric::CustomerFocus,
            MetricKey::CustomerEmpathy => Metric::CustomerEmpathy,
            MetricKey::ManagerSupport => Metric::ManagerSupport,
            MetricKey::Flexibility => Metric::Flexibility,
            MetricKey::Enps => Metric::Enps,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_crosses_both_ways_under_its_own_key() {
        assert_eq!(Metric::ALL.len(), MetricKey::ALL.len());
        for metric in Metric::ALL {
            let key = MetricKey::from(metric);
            assert_eq!(key.key(), metric.key(), "{metric:?}");
            assert_eq!(Metric::from(key), metric);
        }
    }
}
