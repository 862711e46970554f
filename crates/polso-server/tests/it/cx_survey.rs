//! Survey tools' exports through the API, as HR's import in the app does it
//! (issue 15): the server suggests a mapping from the file, HR answers what
//! the file does not tell and saves it under the source's name, previews the
//! import and stores it; next month's file imports in one step. The files
//! are the fixtures of `polso_core::survey`, whose figures per team and week
//! a stdlib-only Python script computed from the same files
//! (crates/polso-core/tests/fixtures/survey/expected.py): the stored rows
//! must equal them, n exactly and values to 1e-9.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use polso_server::admin;
use serde_json::{Value, json};

use crate::support::{World, assert_error, get};

const EXPECTED: &str = include_str!("../../../polso-core/tests/fixtures/survey/expected.json");

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../polso-core/tests/fixtures/survey")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn post_file(path: &str, token: &str, body: Vec<u8>) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, "text/csv")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(body))
        .unwrap()
}

fn put_json(path: &str, token: &str, body: &Value) -> Request<Body> {
    Request::builder()
        .method(Method::PUT)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// The rows the reference computed for `file`: (team, week, metric) → (n, value).
fn expected(file: &str) -> Vec<(String, String, String, u64, f64)> {
    let all: Value = serde_json::from_str(EXPECTED).unwrap();
    all[file]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["team"].as_str().unwrap().to_owned(),
                row["week"].as_str().unwrap().to_owned(),
                row["metric"].as_str().unwrap().to_owned(),
                row["n"].as_u64().unwrap(),
                row["value"].as_f64().unwrap(),
            )
        })
        .collect()
}

/// A world whose first department holds the teams the fixture `file` names.
fn world_for(file: &str) -> World {
    let world = World::new(&[1, 1]);
    let mut teams: Vec<String> = expected(file).into_iter().map(|row| row.0).collect();
    teams.sort();
    teams.dedup();
    for team in teams {
        admin::add_team_with_headcount(world.store.as_ref(), &world.departments[0], &team, 20).unwrap();
    }
    world
}

/// The suggestion for `file`, with every open question answered as the
/// fixture's author knows the file: the true scale and direction of each
/// column, as crates/polso-core/tests/fixtures/survey/expected.py writes them
/// out (the files state the rest, and their other questions are not asked).
async fn confirmed_mapping(world: &World, file: &str) -> (Value, Value) {
    let (status, suggestion) =
        world.send(post_file("/v1/cx/mapping-suggestion", &world.hr_token, fixture(file))).await;
    assert_eq!(status, StatusCode::OK, "{suggestion}");
    // (file, column, scale, higher is better) from expected.py's FILES.
    const TRUE_SCALES: &[(&str, &str, (u8, u8), bool)] = &[
        ("qualtrics_en.csv", "Q2", (1, 5), true),
        ("qualtrics_en.csv", "Q3", (1, 7), true),
        ("qualtrics_it.csv", "Q2", (1, 5), true),
        ("qualtrics_it.csv", "Q3", (1, 5), false),
        (
            "surveymonkey_en.csv",
            "How satisfied were you with your most recent support request?",
            (1, 5),
            true,
        ),
        (
            "surveymonkey_en.csv",
            "How much effort did you personally have to put forth to handle your request?",
            (1, 5),
            false,
        ),
        ("gforms_it.csv", "Quanto sei soddisfatto dell'assistenza ricevuta?", (1, 5), true),
        ("gforms_it.csv", "Quanto è stato facile risolvere il tuo problema? (da 1 a 7)", (1, 7), true),
        ("gforms_en.csv", "How satisfied were you with the help you received?", (1, 5), true),
        // The form's author titled it with the metric's name; CES 2.0 asks "it was easy": 7 is easiest.
        ("gforms_en.csv", "Customer effort score (1-7)", (1, 7), true),
        ("generic_it.csv", "Soddisfazione (1-5)", (1, 5), true),
        ("generic_it.csv", "Sforzo (1-7)", (1, 7), false),
    ];
    let mut mapping = suggestion["mapping"].clone();
    for question in suggestion["questions"].as_array().unwrap() {
        let column = question["column"].clone();
        let truth =
            TRUE_SCALES.iter().find(|(name, truth_column, ..)| *name == file && column == *truth_column);
        let metric =
            mapping["metrics"].as_array_mut().unwrap().iter_mut().find(|metric| metric["column"] == column);
        match (question["kind"].as_str().unwrap(), metric, truth) {
            ("scale", Some(metric), Some((_, _, (min, max), _))) => {
                metric["scale"] = json!({"min": min, "max": max});
            }
            ("direction", Some(metric), Some((_, _, _, higher_is_better))) => {
                metric["direction"] =
                    json!(if *higher_is_better { "higher_is_better" } else { "higher_is_worse" });
            }
            (kind, _, _) => panic!("{file}: an open question this test does not answer: {kind} {question}"),
        }
    }
    (suggestion, mapping)
}

/// Every stored row the token sees, as (team, week, metric) → (n, value).
async fn stored(world: &World, token: &str) -> Vec<(String, String, String, u64, f64)> {
    let (status, body) = world.send(get("/v1/cx?from=2026-W01&to=2027-W10", Some(token))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut rows: Vec<_> = body["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["team_name"].as_str().unwrap().to_owned(),
                row["week"].as_str().unwrap().to_owned(),
                row["metric"].as_str().unwrap().to_owned(),
                row["n"].as_u64().unwrap(),
                row["value"].as_f64().unwrap(),
            )
        })
        .collect();
    rows.sort_by(|a, b| (&a.0, &a.1, &a.2).cmp(&(&b.0, &b.1, &b.2)));
    rows
}

fn assert_same_rows(file: &str, stored: &[(String, String, String, u64, f64)]) {
    let mut expected = expected(file);
    expected.sort_by(|a, b| (&a.0, &a.1, &a.2).cmp(&(&b.0, &b.1, &b.2)));
    assert_eq!(stored.len(), expected.len(), "{file}: {stored:?}");
    for (got, want) in stored.iter().zip(&expected) {
        assert_eq!((&got.0, &got.1, &got.2, got.3), (&want.0, &want.1, &want.2, want.3), "{file}");
        assert!((got.4 - want.4).abs() < 1e-9, "{file}: {got:?} against {want:?}");
    }
}

#[tokio::test]
async fn each_tools_export_imports_through_a_saved_mapping_as_the_reference_computes_it() {
    for (file, tool) in [
        ("qualtrics_en.csv", "qualtrics"),
        ("qualtrics_it.csv", "qualtrics"),
        ("surveymonkey_en.csv", "survey_monkey"),
        ("gforms_en.csv", "google_forms"),
        ("gforms_it.csv", "google_forms"),
        ("generic_it.csv", "generic"),
    ] {
        let world = world_for(file);
        // Polso's own layouts cannot read a tool's export: without a mapping it is refused.
        let (status, refused) = world.send(post_file("/v1/cx", &world.hr_token, fixture(file))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{file}: {refused}");
        assert_eq!(refused["stored"], false, "{refused}");
        assert_eq!(refused["survey_tool"], tool, "{file}: the refusal does not point at a mapping");

        let (suggestion, mapping) = confirmed_mapping(&world, file).await;
        assert_eq!(suggestion["tool"], tool, "{file}");
        let (status, saved) =
            world.send(put_json("/v1/cx/mappings/Fonte%20di%20prova", &world.hr_token, &mapping)).await;
        assert_eq!(status, StatusCode::OK, "{file}: {saved}");
        assert_eq!(saved["name"], "Fonte di prova");

        let path = "/v1/cx?mapping=Fonte%20di%20prova";
        let (status, preview) =
            world.send(post_file(&format!("{path}&dry_run=true"), &world.hr_token, fixture(file))).await;
        assert_eq!(status, StatusCode::OK, "{file}: {preview}");
        assert_eq!(
            (preview["stored"].clone(), preview["rows"].as_u64()),
            (json!(false), Some(expected(file).len() as u64))
        );
        assert!(stored(&world, &world.hr_token).await.is_empty(), "{file}: a dry run stored rows");

        let (status, report) = world.send(post_file(path, &world.hr_token, fixture(file))).await;
        assert_eq!((status, &report["stored"]), (StatusCode::OK, &json!(true)), "{file}: {report}");
        assert_same_rows(file, &stored(&world, &world.hr_token).await);

        // Next month: the saved mapping is listed, and the same file imports again in one step, unchanged.
        let (status, list) = world.send(get("/v1/cx/mappings", Some(&world.hr_token))).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list["mappings"][0]["mapping"], mapping, "{file}");
        let (status, _) = world.send(post_file(path, &world.hr_token, fixture(file))).await;
        assert_eq!(status, StatusCode::OK);
        assert_same_rows(file, &stored(&world, &world.hr_token).await);
    }
}

#[tokio::test]
async fn an_undecided_or_impossible_mapping_is_refused_naming_what_is_wrong() {
    let file = "surveymonkey_en.csv";
    let world = world_for(file);
    let (status, suggestion) =
        world.send(post_file("/v1/cx/mapping-suggestion", &world.hr_token, fixture(file))).await;
    assert_eq!(status, StatusCode::OK);
    // Saved as suggested, with its effort scale undecided: the import names the column and stores nothing.
    let (status, _) =
        world.send(put_json("/v1/cx/mappings/monkey", &world.hr_token, &suggestion["mapping"])).await;
    assert_eq!(status, StatusCode::OK);
    let (status, refused) =
        world.send(post_file("/v1/cx?mapping=monkey", &world.hr_token, fixture(file))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    let message = refused["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("effort") && message.contains("scale"), "{message}");
    assert!(stored(&world, &world.hr_token).await.is_empty());

    // A mapping no file could fit, and a name no mapping has.
    let mut impossible = suggestion["mapping"].clone();
    impossible["header_rows"] = json!(0);
    let answer = world.send(put_json("/v1/cx/mappings/zero", &world.hr_token, &impossible)).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "invalid_input");
    assert!(answer.1["message"].as_str().unwrap().contains("header_rows"), "{}", answer.1);
    let mut unknown_field = suggestion["mapping"].clone();
    unknown_field["team"] = json!("Team");
    let answer = world.send(put_json("/v1/cx/mappings/typo", &world.hr_token, &unknown_field)).await;
    assert_eq!(answer.0.as_u16() / 100, 4, "a misspelt field is refused: {}", answer.1);
    let answer = world.send(post_file("/v1/cx?mapping=nowhere", &world.hr_token, fixture(file))).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "invalid_input");
    assert!(answer.1["message"].as_str().unwrap().contains("'nowhere'"), "{}", answer.1);
    let (status, list) = world.send(get("/v1/cx/mappings", Some(&world.hr_token))).await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> =
        list["mappings"].as_array().unwrap().iter().map(|saved| saved["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["monkey"]);
}

/// A token of the other department: the file's teams are, for it, teams that
/// do not exist, refused exactly as such (with the closest team it reaches),
/// and nothing is stored.
#[tokio::test]
async fn a_department_scoped_token_cannot_import_a_survey_export_into_teams_it_does_not_reach() {
    let file = "qualtrics_en.csv";
    let world = world_for(file);
    let (_, mapping) = confirmed_mapping(&world, file).await;
    let (status, _) = world.send(put_json("/v1/cx/mappings/q", &world.hr_token, &mapping)).await;
    assert_eq!(status, StatusCode::OK);
    let scoped =
        admin::create_hr_token(world.store.as_ref(), &world.organisation_id, &[world.departments[1].clone()])
            .unwrap()
            .token;
    let (status, refused) = world.send(post_file("/v1/cx?mapping=q", &scoped, fixture(file))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
    let message = refused["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("unknown team") && message.contains("Team 1.0"), "{message}");
    assert!(!refused.to_string().contains(&world.teams[0][0]), "the refusal names a team out of scope");
    assert!(stored(&world, &world.hr_token).await.is_empty());
}

/// The administrator's headless path with the real binary: `suggest-cx-mapping`
/// prints the mapping (and on stderr what the file does not tell),
/// `save-cx-mapping` keeps it, `import-cx --dry-run` prints the rows it would
/// store and stores none, `import-cx` stores them; a tool's export read
/// without a mapping fails with its line and column.
#[test]
fn the_command_line_imports_a_survey_export_through_a_saved_mapping() {
    use crate::real_binary::admin;

    const SERVER: &str = env!("CARGO_BIN_EXE_polso-server");
    let file = "qualtrics_it.csv";
    let directory = tempfile::tempdir().unwrap();
    let database = directory.path().join("server.db");
    let export = directory.path().join(file);
    std::fs::write(&export, fixture(file)).unwrap();
    let export = export.to_str().unwrap();
    let organisation = admin(&database, &["init-org", "--name", "Servizi Srl"]);
    let department = admin(&database, &["add-department", "--name", "Clienti"]);
    let mut teams: Vec<String> = expected(file).into_iter().map(|row| row.0).collect();
    teams.dedup();
    for team in &teams {
        admin(&database, &["add-team", "--department", &department, "--name", team, "--headcount", "10"]);
    }

    let refused = std::process::Command::new(SERVER)
        .arg("--db")
        .arg(&database)
        .args(["import-cx", export])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("line 1, column"), "{refused:?}");

    let mapping = admin(&database, &["suggest-cx-mapping", export]);
    let mapping_file = directory.path().join("mapping.json");
    std::fs::write(&mapping_file, &mapping).unwrap();
    admin(
        &database,
        &[
            "save-cx-mapping",
            "--organisation",
            &organisation,
            "--name",
            "Qualtrics clienti",
            mapping_file.to_str().unwrap(),
        ],
    );
    let listed = admin(&database, &["list-cx-mappings"]);
    assert!(listed.starts_with("Qualtrics clienti\t"), "{listed}");

    let rows_of = |printed: &str| -> Vec<(String, String, String, u64, f64)> {
        let mut rows: Vec<_> = printed
            .lines()
            .map(|line| {
                let fields: Vec<&str> = line.split('\t').collect();
                assert_eq!(fields.len(), 5, "{line}");
                (
                    fields[0].to_owned(),
                    fields[1].to_owned(),
                    fields[2].to_owned(),
                    fields[4].parse().unwrap(),
                    fields[3].parse().unwrap(),
                )
            })
            .collect();
        rows.sort_by(|a, b| (&a.0, &a.1, &a.2).cmp(&(&b.0, &b.1, &b.2)));
        rows
    };
    let previewed = admin(&database, &["import-cx", "--mapping", "Qualtrics clienti", "--dry-run", export]);
    assert_same_rows(file, &rows_of(&previewed));
    let store = polso_server::SqliteServerStore::open(&database).unwrap();
    let all_weeks = "2026-W01".parse().unwrap()..="2027-W10".parse().unwrap();
    assert!(
        polso_server::ServerStore::cx_scores(&store, &organisation, None, all_weeks.clone())
            .unwrap()
            .is_empty()
    );
    let imported = admin(&database, &["import-cx", "--mapping", "Qualtrics clienti", export]);
    assert_eq!(rows_of(&imported), rows_of(&previewed));
    assert_eq!(
        polso_server::ServerStore::cx_scores(&store, &organisation, None, all_weeks).unwrap().len(),
        expected(file).len()
    );
}

/// Mappings belong to the scope of the token that saved them: a
/// department's HR reads the organisation's mappings and its own, saves only
/// its own (a mapping of the organisation's name beside it, never over it),
/// and no token sees another department's sources. An organisation keeps at
/// most 200.
#[tokio::test]
async fn a_department_token_saves_its_own_mappings_and_cannot_change_the_organisations() {
    let file = "qualtrics_en.csv";
    let world = world_for(file);
    let (_, mapping) = confirmed_mapping(&world, file).await;
    let (status, saved) = world.send(put_json("/v1/cx/mappings/shared", &world.hr_token, &mapping)).await;
    assert_eq!((status, &saved["organisation_wide"]), (StatusCode::OK, &json!(true)), "{saved}");
    let scoped = |department: usize| {
        admin::create_hr_token(
            world.store.as_ref(),
            &world.organisation_id,
            &[world.departments[department].clone()],
        )
        .unwrap()
        .token
    };
    let (first, second) = (scoped(0), scoped(1));

    // The first department saves a mapping of the same name with another CSAT scale: its own, beside the organisation's.
    let mut changed = mapping.clone();
    for metric in changed["metrics"].as_array_mut().unwrap() {
        if metric["metric"] == "csat" {
            metric["scale"] = json!({"min": 1, "max": 7});
        }
    }
    let (status, saved) = world.send(put_json("/v1/cx/mappings/shared", &first, &changed)).await;
    assert_eq!((status, &saved["organisation_wide"]), (StatusCode::OK, &json!(false)), "{saved}");
    let (status, _) = world.send(put_json("/v1/cx/mappings/own", &first, &changed)).await;
    assert_eq!(status, StatusCode::OK);

    let names = |list: &Value| -> Vec<(String, bool)> {
        list["mappings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|saved| {
                (saved["name"].as_str().unwrap().to_owned(), saved["organisation_wide"].as_bool().unwrap())
            })
            .collect()
    };
    let (_, organisation_list) = world.send(get("/v1/cx/mappings", Some(&world.hr_token))).await;
    assert_eq!(names(&organisation_list), [("shared".to_owned(), true)]);
    assert_eq!(organisation_list["mappings"][0]["mapping"], mapping, "the organisation's mapping changed");
    let (_, first_list) = world.send(get("/v1/cx/mappings", Some(&first))).await;
    assert_eq!(
        names(&first_list),
        [("own".to_owned(), false), ("shared".to_owned(), false), ("shared".to_owned(), true)]
    );
    let (_, second_list) = world.send(get("/v1/cx/mappings", Some(&second))).await;
    assert_eq!(names(&second_list), [("shared".to_owned(), true)], "another department's sources are listed");

    // The organisation's import still reads with the organisation's mapping, unchanged.
    let (status, report) =
        world.send(post_file("/v1/cx?mapping=shared", &world.hr_token, fixture(file))).await;
    assert_eq!((status, &report["stored"]), (StatusCode::OK, &json!(true)), "{report}");
    assert_same_rows(file, &stored(&world, &world.hr_token).await);

    // At most 200 in the organisation: a new one past them is refused; saving over one still works.
    for index in 0..197 {
        let (status, body) =
            world.send(put_json(&format!("/v1/cx/mappings/m{index}"), &world.hr_token, &mapping)).await;
        assert_eq!(status, StatusCode::OK, "{index}: {body}");
    }
    let answer = world.send(put_json("/v1/cx/mappings/one-too-many", &world.hr_token, &mapping)).await;
    assert_error(&answer, StatusCode::BAD_REQUEST, "invalid_input");
    assert!(answer.1["message"].as_str().unwrap().contains("200"), "{}", answer.1);
    let (status, _) = world.send(put_json("/v1/cx/mappings/m0", &world.hr_token, &changed)).await;
    assert_eq!(status, StatusCode::OK);
}
