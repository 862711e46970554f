//! What Polso's test harnesses share: the project's tasks (`cargo xtask`)
//! and the fault suite start the same throw-away PostgreSQL.

pub mod postgres;
