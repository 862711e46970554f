//! CX import on the server: a CX tool's CSV file checked against the
//! organisation's teams and the HR token's scope, turned into an import
//! report and the rows to store.
//!
//! Reading is all or nothing, in Polso's own layouts
//! (`polso_core::cx::parse_cx_csv`) or, for a survey tool's export, through a
//! mapping HR confirmed and saved (`polso_core::survey`; [`CxReader`]),
//! against the names of the teams the HR token reaches and no others: a row of a team in
//! another department is an "unknown team" error, word for word the error of
//! a team that does not exist, and the closest name it suggests is one the
//! token reaches. So no answer (code, wording, suggestion, preview) tells a
//! department-scoped token anything about teams outside its departments.
//!
//! On top of it the server refuses rows whose team name two teams the token
//! reaches share (a name alone cannot say which team). To give that refusal
//! its line and column, the file is parsed a second time without the shared
//! names: every row of such a team is then an "unknown team" error at its
//! exact place, and its message is rewritten.
//!
//! Every field's length is capped by the parser (`MAX_CX_FIELD_CHARS`), so no
//! error repeats more than a short text of the file.
//!
//! CX scores are customer data about teams, not answers of employees, so no k
//! rule applies to them; the scope of the HR token does.

use std::collections::{BTreeSet, HashMap};

use polso_api::{
    CxFileFormat, CxImportIssue, CxImportRejection, CxImportReport, CxRowDto, CxWeekRange, ErrorCode,
};
use polso_core::cx::{self, CxErrorKind, CxImport};
use polso_core::survey::{SurveyErrorKind, SurveyFile, SurveyMapping};

use crate::error::ServerError;
use crate::store::{CxScore, HrAccess, OrganisationTree, ServerStore};

/// The largest CX file accepted, in bytes: a year of raw responses of a large contact centre.
pub const DEFAULT_CX_BODY_LIMIT_BYTES: usize = 64 * 1024 * 1024;

/// How many rows an import report shows as a preview.
pub const PREVIEW_ROWS: usize = 20;

/// A team of the organisation, as a CX file can name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CxTeam {
    /// The team's id.
    pub id: String,
    /// The team's name.
    pub name: String,
    /// Whether the HR token reaches the team's department.
    pub in_scope: bool,
}

/// Every team of the organisation with whether `access` reaches it, ordered by department and name.
pub fn teams_of(tree: &OrganisationTree, access: &HrAccess) -> Vec<CxTeam> {
    tree.departments
        .iter()
        .flat_map(|department| {
            department.teams.iter().map(move |team| CxTeam {
                id: team.id.clone(),
                name: team.name.clone(),
                in_scope: access.reaches_team(&department.id, &team.id),
            })
        })
        .collect()
}

/// Longest name of a saved mapping, in characters.
pub const MAX_MAPPING_NAME_CHARS: usize = 100;

/// The mapping saved as `name` (trimmed) in `scope` or for the whole
/// organisation, or an error naming it.
pub fn saved_mapping(
    store: &dyn ServerStore,
    organisation_id: &str,
    scope: &str,
    name: &str,
) -> crate::error::Result<SurveyMapping> {
    let name = name.trim();
    let saved = store.cx_mapping(organisation_id, scope, name)?.ok_or_else(|| {
        ServerError::InvalidInput(format!(
            "no CX mapping is saved as '{}'; save one first (PUT /v1/cx/mappings/{{name}})",
            name.chars().take(MAX_MAPPING_NAME_CHARS).collect::<String>()
        ))
    })?;
    serde_json::from_str(&saved.mapping)
        .map_err(|_| ServerError::CorruptData(format!("the saved CX mapping '{}'", saved.name)))
}

/// Imports a CX file as the organisation's administrator (every team
/// exists for it), read through the saved mapping `mapping` when given;
/// stores the rows when the file is clean and not `dry_run`. The rows come
/// back with the report, `stored` saying whether they were stored.
pub fn import_as_administrator(
    store: &dyn ServerStore,
    organisation_id: &str,
    bytes: &[u8],
    mapping: Option<&str>,
    dry_run: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> crate::error::Result<CheckedCx> {
    let tree = store.organisation_tree(organisation_id)?;
    let everything = HrAccess {
        token_id: String::new(),
        organisation_id: organisation_id.to_owned(),
        scope: crate::store::HrScope::Organisation,
    };
    let teams = teams_of(&tree, &everything);
    let mapping = mapping.map(|name| saved_mapping(store, organisation_id, "", name)).transpose()?;
    let reader = mapping.as_ref().map_or(CxReader::Polso, CxReader::Survey);
    let mut checked = check_cx_file(bytes, &teams, reader);
    if let CheckedCx::Clean { report, scores } = &mut checked
        && !dry_run
    {
        store.upsert_cx_scores(organisation_id, scores, now)?;
        report.stored = true;
    }
    Ok(checked)
}

/// What checking a file came to.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckedCx {
    /// Every row can be stored: the report (with `stored: false`) and the rows.
    Clean {
        /// The report to return.
        report: CxImportReport,
        /// The rows to store.
        scores: Vec<CxScore>,
    },
    /// Nothing can be stored: `invalid_input` (errors in the file, teams the token does not
    /// reach or that do not exist, ambiguous team names), with every problem.
    Rejected(CxImportRejection),
}

/// How a CX file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CxReader<'a> {
    /// Polso's own layouts: aggregated rows or raw responses (`polso_core::cx`).
    Polso,
    /// A survey tool's export, through a mapping HR confirmed (`polso_core::survey`).
    Survey(&'a SurveyMapping),
}

/// A problem found reading a file, and the team it names when the problem is an unknown team.
struct ReadIssue {
    issue: CxImportIssue,
    unknown_team: Option<String>,
}

impl CxReader<'_> {
    /// The file's rows, or every problem in it.
    fn read(self, bytes: &[u8], teams: &[&str]) -> Result<CxImport, Vec<ReadIssue>> {
        match self {
            CxReader::Polso => cx::parse_cx_csv(bytes, teams).map_err(|errors| {
                errors
                    .iter()
                    .map(|error| ReadIssue {
                        issue: crate::cx_issues::of_cx(error),
                        unknown_team: match &error.kind {
                            CxErrorKind::UnknownTeam { given, .. } => Some(given.clone()),
                            _ => None,
                        },
                    })
                    .collect()
            }),
            CxReader::Survey(mapping) => SurveyFile::read(bytes)
                .and_then(|file| polso_core::survey::apply(&file, mapping, teams))
                .map_err(|errors| {
                    errors
                        .iter()
                        .map(|error| ReadIssue {
                            issue: crate::cx_issues::of_survey(error),
                            unknown_team: match &error.kind {
                                SurveyErrorKind::UnknownTeam { given, .. } => Some(given.clone()),
                                _ => None,
                            },
                        })
                        .collect()
                }),
        }
    }
}

/// Checks a CX file against the organisation's `teams` (see the module header): only the teams
/// in scope exist for it.
pub fn check_cx_file(bytes: &[u8], teams: &[CxTeam], reader: CxReader<'_>) -> CheckedCx {
    let teams: Vec<CxTeam> = teams.iter().filter(|team| team.in_scope).cloned().collect();
    let teams = teams.as_slice();
    let names: Vec<&str> = teams.iter().map(|team| team.name.as_str()).collect();
    let import = match reader.read(bytes, &names) {
        Ok(import) => import,
        Err(errors) => {
            let issues: Vec<CxImportIssue> = errors.into_iter().map(|error| error.issue).collect();
            let at_header = issues.iter().all(|issue| issue.line == 1);
            let report = CxImportReport {
                survey_tool: (reader == CxReader::Polso && at_header)
                    .then(|| survey_export_tool(bytes))
                    .flatten(),
                ..empty_report()
            };
            return CheckedCx::Rejected(rejection(ErrorCode::InvalidInput, issues, report));
        }
    };

    // Teams by normalised name: a name two teams share is ambiguous.
    let mut by_name: HashMap<String, Vec<&CxTeam>> = HashMap::new();
    for team in teams {
        by_name.entry(normalize_team(&team.name)).or_default().push(team);
    }
    let mut refused: HashMap<String, Refusal> = HashMap::new();
    let mut scores = Vec::with_capacity(import.rows.len());
    let mut team_ids: HashMap<&str, &str> = HashMap::new();
    for (key, value) in &import.rows {
        let normalized = normalize_team(&key.team);
        let candidates = by_name.get(&normalized).map(Vec::as_slice).unwrap_or_default();
        let team = match candidates {
            [team] => *team,
            _ => {
                refused.insert(normalized, Refusal::Ambiguous(key.team.clone()));
                continue;
            }
        };
        team_ids.insert(team.name.as_str(), team.id.as_str());
        scores.push(CxScore {
            team_id: team.id.clone(),
            week: key.week,
            metric: key.metric.key().to_owned(),
            value: value.value,
            n: Some(value.n_responses),
        });
    }
    let report = report_of(&import, &team_ids, teams);
    if refused.is_empty() {
        return CheckedCx::Clean { report, scores };
    }

    // Parse again with only the allowed names, to place every refused row.
    let allowed: Vec<&str> = teams
        .iter()
        .filter(|team| !refused.contains_key(&normalize_team(&team.name)))
        .map(|team| team.name.as_str())
        .collect();
    let errors = reader.read(bytes, &allowed).err().unwrap_or_default();
    let mut issues: Vec<CxImportIssue> = errors
        .into_iter()
        .map(|error| match error.unknown_team.and_then(|given| refused.get(&normalize_team(&given))) {
            Some(refusal) => refusal.issue(error.issue.line, error.issue.column),
            None => error.issue,
        })
        .collect();
    if issues.is_empty() {
        // Cannot happen (the second parse refuses every row of a refused team), but never store
        // what was refused, and never answer without a reason.
        issues = refused.values().map(|refusal| refusal.issue(1, 1)).collect();
    }
    CheckedCx::Rejected(rejection(ErrorCode::InvalidInput, issues, report))
}

/// The tool `bytes` look exported from, when they hold a column of NPS, CSAT
/// or CES answers a mapping would read.
fn survey_export_tool(bytes: &[u8]) -> Option<polso_api::CxSurveyTool> {
    let file = SurveyFile::read(bytes).ok()?;
    let suggestion = polso_core::survey::suggest_mapping(&file);
    (!suggestion.mapping.metrics.is_empty()).then(|| suggestion.tool.into())
}

/// Why rows of a team cannot be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Refusal {
    /// Two teams the HR token reaches have this name.
    Ambiguous(String),
}

impl Refusal {
    /// The issue of a row refused for this reason, at `line` and `column`.
    fn issue(&self, line: u32, column: u32) -> CxImportIssue {
        match self {
            Refusal::Ambiguous(name) => crate::cx_issues::ambiguous_team(line, column, name),
        }
    }
}

pub(crate) fn rejection(
    code: ErrorCode,
    errors: Vec<CxImportIssue>,
    report: CxImportReport,
) -> CxImportRejection {
    let count = errors.len();
    let message = match count {
        1 => "the file has 1 error; nothing was stored".to_owned(),
        _ => format!("the file has {count} errors; nothing was stored"),
    };
    CxImportRejection { code, message, report: CxImportReport { errors, stored: false, ..report } }
}

pub(crate) fn empty_report() -> CxImportReport {
    CxImportReport {
        errors: Vec::new(),
        rows: 0,
        teams: 0,
        weeks: None,
        metrics: Vec::new(),
        format: None,
        preview: Vec::new(),
        stored: false,
        survey_tool: None,
    }
}

/// The report of a parsed file, `stored: false`.
fn report_of(import: &CxImport, team_ids: &HashMap<&str, &str>, teams: &[CxTeam]) -> CxImportReport {
    let id_of = |name: &str| {
        team_ids
            .get(name)
            .map(|id| (*id).to_owned())
            .or_else(|| teams.iter().find(|team| team.name == name).map(|team| team.id.clone()))
            .unwrap_or_default()
    };
    let distinct_teams: BTreeSet<&str> = import.rows.keys().map(|key| key.team.as_str()).collect();
    let metrics: BTreeSet<&str> = import.rows.keys().map(|key| key.metric.key()).collect();
    let first_week = import.rows.keys().map(|key| key.week).min();
    let last_week = import.rows.keys().map(|key| key.week).max();
    CxImportReport {
        errors: Vec::new(),
        rows: crate::cx_issues::to_u32(import.rows.len()),
        teams: crate::cx_issues::to_u32(distinct_teams.len()),
        weeks: first_week
            .zip(last_week)
            .map(|(from, to)| CxWeekRange { from: from.to_string(), to: to.to_string() }),
        metrics: metrics.into_iter().map(str::to_owned).collect(),
        format: Some(match import.format {
            cx::CxFileFormat::Aggregated => CxFileFormat::Aggregated,
            cx::CxFileFormat::RawResponses => CxFileFormat::RawResponses,
        }),
        preview: import
            .rows
            .iter()
            .take(PREVIEW_ROWS)
            .map(|(key, value)| CxRowDto {
                team_id: id_of(&key.team),
                team_name: key.team.clone(),
                week: key.week.to_string(),
                metric: key.metric.key().to_owned(),
                value: value.value,
                n: Some(value.n_responses),
            })
            .collect(),
        stored: false,
        survey_tool: None,
    }
}

/// Lowercase, trimmed, runs of whitespace made one space: how the parser matches team names.
fn normalize_team(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn team(id: &str, name: &str, in_scope: bool) -> CxTeam {
        CxTeam { id: id.to_owned(), name: name.to_owned(), in_scope }
    }

    const FILE: &str =
        "team,week,metric,value,n\nHelp desk,2026-W10,CSAT,81.5,40\nBilling,2026-W11,NPS,12,30\n";

    #[test]
    fn a_clean_file_gives_its_rows_and_report() {
        let teams = [team("team_a", "Help desk", true), team("team_b", "Billing", true)];
        let CheckedCx::Clean { report, scores } = check_cx_file(FILE.as_bytes(), &teams, CxReader::Polso)
        else {
            panic!("refused")
        };
        assert_eq!((report.rows, report.teams), (2, 2));
        assert_eq!(report.metrics, ["csat", "nps"]);
        assert_eq!(report.weeks.unwrap().to, "2026-W11");
        assert_eq!(report.preview[0].team_id, "team_b");
        assert_eq!(scores.len(), 2);
    }

    #[test]
    fn a_row_outside_the_scope_is_refused_exactly_as_a_team_that_does_not_exist() {
        let in_scope_only = [team("team_a", "Help desk", true)];
        let with_other_department = [team("team_a", "Help desk", true), team("team_b", "Billing", false)];
        let CheckedCx::Rejected(out_of_scope) =
            check_cx_file(FILE.as_bytes(), &with_other_department, CxReader::Polso)
        else {
            panic!("accepted")
        };
        let CheckedCx::Rejected(nonexistent) =
            check_cx_file(FILE.as_bytes(), &in_scope_only, CxReader::Polso)
        else {
            panic!("accepted")
        };
        assert_eq!(out_of_scope, nonexistent);
        assert_eq!(out_of_scope.code, ErrorCode::InvalidInput);
        let issue = &out_of_scope.report.errors[0];
        assert_eq!((issue.line, issue.column), (3, 1));
        assert!(!format!("{out_of_scope:?}").contains("team_b"));
    }

    #[test]
    fn a_name_shared_with_a_team_outside_the_scope_is_the_team_in_scope() {
        let teams = [
            team("team_a", "Help desk", true),
            team("team_b", "Billing", true),
            team("team_c", "billing", false),
        ];
        let CheckedCx::Clean { scores, report } = check_cx_file(FILE.as_bytes(), &teams, CxReader::Polso)
        else {
            panic!("refused")
        };
        assert!(scores.iter().all(|score| score.team_id != "team_c"));
        assert!(!format!("{report:?}").contains("team_c"));
    }

    #[test]
    fn a_suggested_team_is_always_one_in_scope() {
        let file = "team,week,metric,value,n\nBillin,2026-W10,CSAT,81.5,40\n";
        let teams = [team("team_a", "Help desk", true), team("team_b", "Billing", false)];
        let CheckedCx::Rejected(rejection) = check_cx_file(file.as_bytes(), &teams, CxReader::Polso) else {
            panic!("accepted")
        };
        let message = &rejection.report.errors[0].message;
        assert!(!message.contains("Billing"), "{message}");
        assert!(message.contains("Help desk"), "{message}");
    }

    #[test]
    fn a_name_two_departments_share_is_refused() {
        let teams = [
            team("team_a", "Help desk", true),
            team("team_b", "Billing", true),
            team("team_c", "billing", true),
        ];
        let CheckedCx::Rejected(rejection) = check_cx_file(FILE.as_bytes(), &teams, CxReader::Polso) else {
            panic!("accepted")
        };
        assert_eq!(rejection.code, ErrorCode::InvalidInput);
        assert_eq!((rejection.report.errors[0].line, rejection.report.errors[0].column), (3, 1));
    }
}
