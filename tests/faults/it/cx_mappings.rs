//! Issue 15: the saved column mappings of CX survey exports, attacked with
//! the real server binary by HR tokens of two departments and of the whole
//! organisation. A mapping tells how a source's files are read (which
//! column is the team, which scale, which rows to keep: a filter's value can
//! name a team or a department), so a department's HR must neither change
//! how the organisation's files are read (wrong numbers stored for teams it
//! cannot reach) nor learn another department's sources. Both held before
//! the mappings were scoped by token: any token overwrote and listed every
//! mapping of the organisation.

use std::sync::{Arc, Mutex};

use anyhow::{Context, Result, ensure};
use polso_faults::server::{RunningServer, admin, get_json, organisation, put_json};
use serde_json::{Value, json};

fn mapping(csat_max: u8, keep: &str) -> Value {
    json!({
        "header_rows": 1,
        "team_column": "Team",
        "period": {"kind": "date", "column": "Date", "order": "year_month_day"},
        "metrics": [
            {"column": "Q1", "metric": "nps", "scale": {"min": 0, "max": 10}, "direction": "higher_is_better"},
            {"column": "Q2", "metric": "csat", "scale": {"min": 1, "max": csat_max}, "direction": "higher_is_better"}
        ],
        "filters": [{"column": "Branch", "equals": keep, "leave_out": false}]
    })
}

/// (name, organisation-wide, mapping) of every mapping a token lists.
fn listed(url: &str, token: &str) -> Result<Vec<(String, bool, Value)>> {
    let (status, list) = get_json(url, "/v1/cx/mappings", token)?;
    ensure!(status == 200, "{status} {list}");
    list["mappings"]
        .as_array()
        .context("no mappings")?
        .iter()
        .map(|saved| {
            Ok((
                saved["name"].as_str().context("a name")?.to_owned(),
                saved["organisation_wide"].as_bool().context("a scope")?,
                saved["mapping"].clone(),
            ))
        })
        .collect()
}

#[test]
fn a_departments_hr_cannot_change_or_read_other_scopes_cx_mappings() -> Result<()> {
    let directory = tempfile::tempdir()?;
    let database = directory.path().join("server.db");
    let organisation = organisation(&database, "Mappature Srl", 2, 1)?;
    let whole = admin(&database, &["create-hr-token", "--organisation", &organisation.id])?;
    let scoped = |department: &str| {
        admin(
            &database,
            &["create-hr-token", "--organisation", &organisation.id, "--departments", department],
        )
    };
    let (first, second) = (scoped(&organisation.departments[0])?, scoped(&organisation.departments[1])?);
    let server = RunningServer::start(&database, Arc::new(Mutex::new(Vec::new())))?;
    let url = server.url.clone();

    let original = mapping(5, "Milano");
    let (status, saved) = put_json(&url, "/v1/cx/mappings/Qualtrics", &whole, &original)?;
    ensure!(status == 200 && saved["organisation_wide"] == true, "{status} {saved}");

    // The first department's HR saves over the organisation's name (CSAT read on 1–7: wrong
    // figures), and a source of its own whose filter names its branch.
    let (status, saved) = put_json(&url, "/v1/cx/mappings/Qualtrics", &first, &mapping(7, "Milano"))?;
    ensure!(status == 200 && saved["organisation_wide"] == false, "{status} {saved}");
    let (status, _) =
        put_json(&url, "/v1/cx/mappings/Filiale%20riservata", &first, &mapping(5, "Sede segreta"))?;
    ensure!(status == 200);

    // The organisation's mapping is unchanged, and the organisation reads only its own.
    let organisation_list = listed(&url, &whole)?;
    ensure!(
        organisation_list == [("Qualtrics".to_owned(), true, original.clone())],
        "the organisation's mappings: {organisation_list:?}"
    );
    // The other department sees the organisation's, never the first department's.
    let second_list = listed(&url, &second)?;
    ensure!(second_list == [("Qualtrics".to_owned(), true, original)], "{second_list:?}");
    let (_, raw) = get_json(&url, "/v1/cx/mappings", &second)?;
    ensure!(!raw.to_string().contains("Sede segreta"), "another department's filter leaks: {raw}");
    // The first department sees its own and the organisation's.
    let names: Vec<(String, bool)> =
        listed(&url, &first)?.into_iter().map(|(name, wide, _)| (name, wide)).collect();
    ensure!(
        names
            == [
                ("Filiale riservata".to_owned(), false),
                ("Qualtrics".to_owned(), false),
                ("Qualtrics".to_owned(), true)
            ],
        "{names:?}"
    );
    server.kill();
    Ok(())
}
