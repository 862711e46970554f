//! An [`Upload`] as it crosses the wire ([`polso_api::SharedReport`]: every
//! byte field in standard base64), both ways, written once for the app, the
//! demo, the benchmarks and the server.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use polso_api::{SharedReport, WIRE_VERSION};
use polso_core::IsoWeek;

use crate::VdafError;
use crate::client::{ReportId, Upload};
use crate::seal::SealedShares;

/// The upload of a report of `week`, as the app sends it.
pub fn to_wire(week: IsoWeek, upload: &Upload) -> SharedReport {
    SharedReport {
        wire_version: WIRE_VERSION,
        week: week.to_string(),
        report_id: STANDARD.encode(upload.report_id.0),
        public_shares: STANDARD.encode(&upload.public_shares),
        leader_shares: STANDARD.encode(&upload.leader_shares),
        helper_encapsulated_key: STANDARD.encode(&upload.helper_shares.encapsulated_key),
        helper_ciphertext: STANDARD.encode(&upload.helper_shares.ciphertext),
    }
}

/// The upload a [`SharedReport`] carries; refuses a field that is not base64
/// or a report id that is not 16 bytes, naming the field.
pub fn from_wire(report: &SharedReport) -> Result<Upload, VdafError> {
    let bytes = |text: &str, field: &str| {
        STANDARD.decode(text).map_err(|_| VdafError::Malformed { what: format!("'{field}' (not base64)") })
    };
    let report_id: [u8; 16] = bytes(&report.report_id, "report_id")?
        .try_into()
        .map_err(|_| VdafError::Malformed { what: "'report_id' (not 16 bytes)".to_owned() })?;
    Ok(Upload {
        report_id: ReportId(report_id),
        public_shares: bytes(&report.public_shares, "public_shares")?,
        leader_shares: bytes(&report.leader_shares, "leader_shares")?,
        helper_shares: SealedShares {
            encapsulated_key: bytes(&report.helper_encapsulated_key, "helper_encapsulated_key")?,
            ciphertext: bytes(&report.helper_ciphertext, "helper_ciphertext")?,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upload_crosses_the_wire_whole_and_a_bad_field_is_named() {
        let upload = Upload {
            report_id: ReportId([7; 16]),
            public_shares: vec![1, 2, 3],
            leader_shares: vec![4; 40],
            helper_shares: SealedShares { encapsulated_key: vec![5; 32], ciphertext: vec![6; 70] },
        };
        let week: IsoWeek = "2026-W48".parse().expect("week");
        let wire = to_wire(week, &upload);
        assert_eq!(wire.week, "2026-W48");
        assert_eq!(from_wire(&wire).expect("read back"), upload);
        let mut bad = wire.clone();
        bad.leader_shares = "not base64!".to_owned();
        assert!(from_wire(&bad).expect_err("refused").to_string().contains("leader_shares"));
        let mut short = wire;
        short.report_id = STANDARD.encode([1u8; 15]);
        assert!(from_wire(&short).expect_err("refused").to_string().contains("report_id"));
    }
}
