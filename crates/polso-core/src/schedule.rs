//! The weekly schedule.
