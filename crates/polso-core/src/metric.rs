//! What an item measures ([`Metric`]): an EX metric (a driver) or an instrument's index, with
//! the stable key each is stored and sent under. The lowest layer of the core: the bank, the
//! editions and the schedule all name metrics.

/// What an item measures: an EX metric (driver) or an instrument's index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    /// How the employee has been, the weekly core question.
    Wellbeing,
    /// Life satisfaction, 0 to 10: ONS's question in English, ISTAT's in
    /// Italian; the wellbeing measure a company may use commercially.
    LifeSatisfaction,
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
    /// Customer focus: the team's and leadership's orientation to customers.
    CustomerFocus,
    /// Customer empathy: understanding customers and the room to show it.
    CustomerEmpathy,
    /// Support from one's manager.
    ManagerSupport,
    /// Flexibility of when and where one works.
    Flexibility,
    /// Employee Net Promoter Score.
    Enps,
}

impl Metric {
    /// Every metric, in display order.
    pub const ALL: [Metric; 19] = [
        Metric::Wellbeing,
        Metric::LifeSatisfaction,
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
        Metric::CustomerEmpathy,
        Metric::ManagerSupport,
        Metric::Flexibility,
        Metric::Enps,
    ];

    /// The metric's stable key, as used in data files, the store and the wire.
    pub fn key(self) -> &'static str {
        match self {
            Metric::Wellbeing => "wellbeing",
            Metric::LifeSatisfaction => "life_satisfaction",
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
            Metric::CustomerEmpathy => "customer_empathy",
            Metric::ManagerSupport => "manager_support",
            Metric::Flexibility => "flexibility",
            Metric::Enps => "enps",
        }
    }

    /// The metric with this key, if there is one.
    pub fn from_key(key: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|metric| metric.key() == key)
    }
}
