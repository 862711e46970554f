//! The item bank: every question Polso can ask, in Italian and English.

use std::fmt;

/// An item's stable id in the bank, such as `"eng.2"`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ItemId(pub String);

impl ItemId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A language Polso speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// English.
    En,
    /// Italian.
    It,
}

/// What an item measures: an EX metric (driver) or an instrument's index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    /// How the employee has been, the weekly core question.
    Wellbeing,
    /// The WHO-5 Well-Being Index.
    Who5,
    /// The single-item burnout measure.
    Burnout,
    /// Engagement: energy, dedication, absorption.
    Engagement,
    /// Work–life balance.
    WorkLifeBalance,
    /// Communication in the team and from leadership.
    Communication,
    /// Team cohesion and connection.
    TeamCohesion,
    /// Tools and infrastructure.
    Tools,
    /// Empowerment: authority to resolve a customer's problem.
    Empowerment,
    /// Role clarity.
    RoleClarity,
    /// Recognition.
    Recognition,
    /// Growth and training.
    Growth,
    /// Trust.
    Trust,
    /// Customer focus.
    CustomerFocus,
    /// Employee Net Promoter Score.
    Enps,
}

impl Metric {
    /// Every metric, in display order.
    pub const ALL: [Metric; 15] = [
        Metric::Wellbeing,
        Metric::Who5,
        Metric::Burnout,
        Metric::Engagement,
        Metric::WorkLifeBalance,
        Metric::Communication,
        Metric::TeamCohesion,
        Metric::Tools,
        Metric::Empowerment,
        Metric::RoleClarity,
        Metric::Recognition,
        Metric::Growth,
        Metric::Trust,
        Metric::CustomerFocus,
        Metric::Enps,
    ];

    /// The metric's stable key, as used in data files, the store and the wire.
    pub fn key(self) -> &'static str {
        match self {
            Metric::Wellbeing => "wellbeing",
            Metric::Who5 => "who5",
            Metric::Burnout => "burnout",
            Metric::Engagement => "engagement",
            Metric::WorkLifeBalance => "work_life_balance",
            Metric::Communication => "communication",
            Metric::TeamCohesion => "team_cohesion",
            Metric::Tools => "tools",
            Metric::Empowerment => "empowerment",
            Metric::RoleClarity => "role_clarity",
            Metric::Recognition => "recognition",
            Metric::Growth => "growth",
            Metric::Trust => "trust",
            Metric::CustomerFocus => "customer_focus",
            Metric::Enps => "enps",
        }
    }

    /// The metric with this key, if there is one.
    pub fn from_key(key: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|metric| metric.key() == key)
    }
}
