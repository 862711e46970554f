//! polso-server's integration tests, one binary (as in ripgrep): the Router
//! in process through `oneshot` with a real SQLite file, and the real
//! `polso-server` binary over a loopback socket.

// clippy.toml allows `unwrap` in `#[test]` functions only; the helpers these
// tests share are test code too, and a panic is how they report a broken fixture.
#![allow(clippy::unwrap_used)]

mod admin_rules;
mod bad_input;
mod care_contacts;
mod comments;
mod cx_import;
mod cx_survey;
mod demo_seed;
mod generation;
mod heatmap;
mod idempotency;
mod manager_scope;
mod not_applicable;
mod one_person_one_voice;
mod openapi_document;
mod personal_codes;
mod postgres_tls;
mod privacy;
mod questionnaire;
mod real_binary;
mod release_rule;
mod replicas;
mod standardised_trends;
mod support;
mod team_results;
mod tls;
mod two_server;
mod two_server_binaries;
mod units;
