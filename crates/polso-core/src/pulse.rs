//! The rules of a weekly pulse.

/// Where the week was worked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkWeek {
    /// Days worked at the office.
    pub office_days: u8,
    /// Days worked remotely.
    pub remote_days: u8,
}
