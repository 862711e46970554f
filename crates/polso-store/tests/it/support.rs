//! Helpers shared by the integration tests: sample pulses, raw access to the
//! files, and snapshots of a folder to prove that nothing in it changed.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use polso_core::{Answer, IsoWeek, ItemId, Metric, MetricScore, WorkWeek};
use polso_store::{SavedPulse, StoreKey};

/// A private note that must never appear in plain text on disk.
pub const CANARY_NOTE: &str = "canary-7f3a-private";

/// An item id that must never appear in plain text on disk.
pub const CANARY_ITEM: &str = "canary-item-51d9";

/// The account tests keep the store key under.
pub const ACCOUNT: &str = "test-store-key";

/// The week with this canonical text, such as "2026-W48".
pub fn week(text: &str) -> IsoWeek {
    text.parse().unwrap()
}

/// An instant from RFC 3339 text.
pub fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

/// A full pulse for `week_text`, with answers, scores, a work week and a note.
pub fn sample_pulse(week_text: &str) -> SavedPulse {
    SavedPulse {
        week: week(week_text),
        answers: vec![
            Answer { item: ItemId("wellbeing.core".to_owned()), value: 4 },
            Answer { item: ItemId("tools.driver.2".to_owned()), value: 2 },
            Answer { item: ItemId("enps.quarterly".to_owned()), value: 9 },
        ],
        scores: vec![
            MetricScore { metric: Metric::Wellbeing, score: 75.0 },
            MetricScore { metric: Metric::Tools, score: 25.0 },
            MetricScore { metric: Metric::Enps, score: 0.125 },
        ],
        not_applicable: vec![ItemId("customer.driver.3".to_owned()), ItemId("empathy.driver.1".to_owned())],
        work_week: Some(WorkWeek { office_days: 2, remote_days: 3 }),
        note: Some(format!("A private note about {week_text}.")),
        saved_at: instant("2026-11-27T16:45:03.123456789Z"),
    }
}

/// A fresh random key.
pub fn new_key() -> StoreKey {
    StoreKey::generate().unwrap()
}

/// Every file in `folder` with its bytes, to compare before and after.
pub fn snapshot(folder: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            (entry.file_name().to_string_lossy().into_owned(), std::fs::read(entry.path()).unwrap())
        })
        .collect()
}

/// Whether `needle` occurs anywhere in `haystack`.
pub fn contains_bytes(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle)
}

/// A plain rusqlite connection to `path` with `key`, outside the store, to write
/// the rows a test needs (an older schema, a damaged value).
pub fn raw_keyed_connection(path: &Path, key: &StoreKey) -> rusqlite::Connection {
    let connection = rusqlite::Connection::open(path).unwrap();
    connection.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.to_hex())).unwrap();
    connection
}
