//! The `polso-server` binary: the administrator's command line and `serve`.
//!
//! Only argument parsing, printing and binding live here; every operation is
//! a function of the library (`polso_server::admin`, `polso_server::app`).
//! Secrets it creates (invite codes, HR tokens) are printed once on stdout,
//! alone on their line, so scripts can capture them; everything else goes to
//! stderr.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use polso_server::rate_limit::{Quota, RateLimitConfig};
use polso_server::serve::{ConnectionLimits, TlsFiles};
use polso_server::store::{GrantedScope, ServerStore};
use polso_server::{
    AdminStore, AppState, Clock, OffsetClock, PgServerStore, ServerConfig, SqliteServerStore, SystemClock,
    admin, app,
};
use tracing_subscriber::EnvFilter;

/// Polso's organisation server and its administration.
#[derive(Debug, Parser)]
#[command(name = "polso-server", version, about)]
struct Cli {
    /// The server's SQLite database (the embedded default); created and
    /// migrated when missing. Every command but `openapi` needs it or
    /// `--database-url`.
    #[arg(long, value_name = "PATH", conflicts_with = "database_url")]
    db: Option<PathBuf>,
    /// The server's PostgreSQL database instead, such as
    /// `postgres://polso@db.example:5432/polso`, migrated when behind; several
    /// servers may share it (replicas). Read from POLSO_DATABASE_URL when not
    /// given, so that its password stays out of the process list. The URL's
    /// `sslmode` decides TLS (`require`, `prefer` by default, `disable`); a
    /// TLS connection always verifies the database's certificate and name.
    #[arg(long, value_name = "URL", env = "POLSO_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// The CA certificates (PEM) that sign the PostgreSQL database's TLS
    /// certificate, instead of the system's roots.
    #[arg(long, value_name = "PEM", env = "POLSO_DATABASE_CA", requires = "database_url")]
    database_ca: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Creates an organisation (k = 5) and prints its id.
    InitOrg {
        /// The organisation's name.
        #[arg(long)]
        name: String,
    },
    /// Adds a department and prints its id.
    AddDepartment {
        /// The organisation; may be left out when there is only one.
        #[arg(long)]
        organisation: Option<String>,
        /// The department's name.
        #[arg(long)]
        name: String,
    },
    /// Adds a team to a department and prints its id. Declare its head-count
    /// here or later with `set-headcount`: until then no device can enrol into it.
    AddTeam {
        /// The department's id.
        #[arg(long)]
        department: String,
        /// The team's name.
        #[arg(long)]
        name: String,
        /// How many people the team has: the most devices that can ever enrol into it (1 to 10000).
        #[arg(long)]
        headcount: Option<u32>,
    },
    /// Declares how many people a team has: the most devices that can ever be
    /// enrolled to it, whatever invites say. It can always be raised; it can
    /// never be set below the devices already enrolled: revoke devices first
    /// (`list-devices`, `revoke-device`).
    SetHeadcount {
        /// The team's id.
        #[arg(long)]
        team: String,
        /// The head-count, 1 to 10000.
        headcount: u32,
    },
    /// Creates an invite code for a team and prints it; it is not stored and cannot be shown again.
    CreateInvite {
        /// The team's id.
        #[arg(long)]
        team: String,
        /// Days until the code stops working.
        #[arg(long, default_value_t = 14)]
        expires_in_days: u32,
        /// How many devices the code can enrol.
        #[arg(long, default_value_t = 50)]
        uses: u32,
    },
    /// Creates one-time personal codes for a team's roster, one per person, and prints them once
    /// (one a line). Each enrols one device through a blind-signed credential, so the server never
    /// learns which person holds which device; the team's head-count still caps its devices.
    CreatePersonalCodes {
        /// The team's id.
        #[arg(long)]
        team: String,
        /// How many codes: one per rostered person.
        #[arg(long)]
        count: u32,
    },
    /// Creates an HR token and prints it once; its id (for revoking) goes to stderr.
    CreateHrToken {
        /// The organisation; may be left out when there is only one.
        #[arg(long)]
        organisation: Option<String>,
        /// Limit the token to these departments (ids, comma-separated); the whole organisation when absent.
        #[arg(long, value_delimiter = ',', num_args = 1..)]
        departments: Vec<String>,
    },
    /// Creates a manager token for one or more teams and prints it once; its id (for revoking with
    /// `revoke-hr-token`) goes to stderr. A manager reads their teams' published results, with
    /// their departments' and the organisation's beside them, under the same k and suppression;
    /// never another team, never CX imports or mappings. Only the token's hash is stored.
    CreateManagerToken {
        /// The organisation; may be left out when there is only one.
        #[arg(long)]
        organisation: Option<String>,
        /// A team the manager leads (its id, as `show-org` prints it); give `--team` once per team.
        #[arg(long = "team", required = true, num_args = 1)]
        teams: Vec<String>,
    },
    /// Lists the organisation's invite codes by id (the codes themselves are
    /// never stored): team, uses left and expiry.
    ListInvites {
        /// The organisation; may be left out when there is only one.
        #[arg(long)]
        organisation: Option<String>,
    },
    /// Revokes an invite code by its id, as `list-invites` shows it; devices
    /// it enrolled stay enrolled.
    RevokeInvite {
        /// The invite's id, such as inv_0123456789ab.
        #[arg(long)]
        id: String,
    },
    /// Lists each team's head-count and enrolled devices (an id and the ISO
    /// week each enrolled in, nothing more).
    ListDevices {
        /// The organisation; may be left out when there is only one.
        #[arg(long)]
        organisation: Option<String>,
        /// Only this team.
        #[arg(long)]
        team: Option<String>,
    },
    /// Revokes a device by its id, as `list-devices` shows it: its token is
    /// refused from then on and its place in the team's head-count is free.
    /// Reports it sent before stay counted.
    RevokeDevice {
        /// The device's id, such as dev_0123456789ab.
        #[arg(long)]
        id: String,
    },
    /// Lists the organisation's HR tokens by id (the tokens themselves are
    /// never stored): scope and whether revoked.
    ListHrTokens {
        /// The organisation; may be left out when there is only one.
        #[arg(long)]
        organisation: Option<String>,
    },
    /// Revokes an HR token by its id.
    RevokeHrToken {
        /// The token's id, as printed when it was created.
        #[arg(long)]
        id: String,
    },
    /// Sets the organisation's k (at least 3). It can always be raised; once
    /// reports exist it can never be lowered.
    SetK {
        /// The organisation; may be left out when there is only one.
        #[arg(long)]
        organisation: Option<String>,
        /// The new k.
        k: u32,
    },
    /// Sets how many comments a team's batch gathers before HR reads them (10 to 1,000; 10 by
    /// default). Never below 10: a smaller batch lets a writer be picked out.
    SetCommentBatch {
        /// The organisation; may be left out when there is only one.
        #[arg(long)]
        organisation: Option<String>,
        /// The batch size.
        size: u32,
    },
    /// Turns differential privacy on (`--epsilon E`, ε per released cell) or
    /// off (`--off`). On by default for a new organisation (ε = 13/2); no
    /// request can change it. It applies to weeks published from then on.
    SetDp {
        /// The organisation; may be left out when there is only one.
        #[arg(long)]
        organisation: Option<String>,
        /// ε per released cell, a decimal from 0.01 to 10 such as 1 or 0.5.
        #[arg(long, conflicts_with = "off", required_unless_present = "off")]
        epsilon: Option<String>,
        /// Release exact values again.
        #[arg(long)]
        off: bool,
    },
    /// Adopts a questionnaire (an edition of the schedule, with or without
    /// the WHO-5 module) from the first week of a four-week cycle at least
    /// four weeks ahead (by default the first such), so devices learn it
    /// before it starts. Earlier weeks keep the edition their
    /// answers were given in; HR's charts mark the change. No request can
    /// change it.
    SetQuestionnaire {
        /// The organisation; may be left out when there is only one.
        #[arg(long)]
        organisation: Option<String>,
        /// The schedule's edition: 3 (current) or 2 (the edition before).
        #[arg(long)]
        edition: u32,
        /// Turns the WHO-5 module on (edition 3). WHO-5 is licensed for
        /// non-commercial use only (CC BY-NC-SA 3.0 IGO): give it only if the
        /// organisation's use is non-commercial or it holds WHO's permission.
        #[arg(long)]
        who5: bool,
        /// The first week, such as 2027-W05; it must start a cycle at least
        /// four weeks ahead. Defaults to the first such week.
        #[arg(long)]
        from: Option<String>,
    },
    /// Sets the organisation's care contacts, shown on an employee's device
    /// (never sent back) when their WHO-5 is low or their burnout answer is 3
    /// or more: the employee assistance programme, the occupational doctor
    /// and a trusted person, each a name in English and in Italian and one
    /// telephone number, e-mail address or https:// address. The command
    /// states the whole set: a contact left out is removed. Every device
    /// reads the set on its next server check.
    SetCareContacts {
        /// The organisation; may be left out when there is only one.
        #[arg(long)]
        organisation: Option<String>,
        /// The employee assistance programme's name in English.
        #[arg(long, requires_all = ["employee_assistance_name_it", "employee_assistance_contact"])]
        employee_assistance_name_en: Option<String>,
        /// Its name in Italian.
        #[arg(long, requires_all = ["employee_assistance_name_en", "employee_assistance_contact"])]
        employee_assistance_name_it: Option<String>,
        /// Its telephone number, e-mail address or https:// address.
        #[arg(long, requires_all = ["employee_assistance_name_en", "employee_assistance_name_it"])]
        employee_assistance_contact: Option<String>,
        /// The occupational doctor's name in English.
        #[arg(long, requires_all = ["occupational_doctor_name_it", "occupational_doctor_contact"])]
        occupational_doctor_name_en: Option<String>,
        /// Their name in Italian.
        #[arg(long, requires_all = ["occupational_doctor_name_en", "occupational_doctor_contact"])]
        occupational_doctor_name_it: Option<String>,
        /// Their telephone number, e-mail address or https:// address.
        #[arg(long, requires_all = ["occupational_doctor_name_en", "occupational_doctor_name_it"])]
        occupational_doctor_contact: Option<String>,
        /// The trusted person's name (or role) in English.
        #[arg(long, requires_all = ["trusted_person_name_it", "trusted_person_contact"])]
        trusted_person_name_en: Option<String>,
        /// Their name (or role) in Italian.
        #[arg(long, requires_all = ["trusted_person_name_en", "trusted_person_contact"])]
        trusted_person_name_it: Option<String>,
        /// Their telephone number, e-mail address or https:// address.
        #[arg(long, requires_all = ["trusted_person_name_en", "trusted_person_name_it"])]
        trusted_person_contact: Option<String>,
    },
    /// Prints the organisation's departments and teams with their ids.
    ShowOrg {
        /// The organisation; may be left out when there is only one.
        #[arg(long)]
        organisation: Option<String>,
    },
    /// Seeds an empty database with the synthetic organisation "Demo Srl" and
    /// its past weeks, and prints its id, an HR token and one invite per team.
    DemoSeed {
        /// How many past weeks to generate.
        #[arg(long, default_value_t = 104)]
        weeks: u32,
        /// The generator's seed; the same seed gives the same aggregates.
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// Today, as YYYY-MM-DD; the last week generated is the one before. Defaults to the clock.
        #[arg(long)]
        today: Option<chrono::NaiveDate>,
    },
    /// The demo of `cargo xtask run`: seeds the demo organisation into DIR on
    /// the first run, serves it on the last run's address (or a new one when
    /// that port is taken), and writes what the app needs into DIR/demo.json.
    Demo {
        /// The demo's directory: its database, its address and demo.json.
        #[arg(long, value_name = "DIR")]
        dir: PathBuf,
    },
    /// Serves the HTTP API.
    Serve {
        /// The address to listen on; port 0 picks a free one.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Seconds after the longest send delay that a week still accepts
        /// reports (for devices that were offline); then it is published once.
        #[arg(long, default_value_t = ServerConfig::default().acceptance_seconds)]
        acceptance_seconds: u32,
        /// Run the server's calendar from this instant (RFC 3339) instead of the
        /// system clock, for end-to-end tests and demos of publication.
        #[arg(long, value_name = "RFC3339")]
        now: Option<chrono::DateTime<chrono::FixedOffset>>,
        /// The smallest count whose sd and histogram are released; never below 2k.
        #[arg(long, default_value_t = ServerConfig::default().histogram_minimum)]
        histogram_minimum: u32,
        /// The longest send delay announced to devices, in seconds after a week
        /// closes; devices never wait less than their own floor (1 h, spread over a day).
        #[arg(long, default_value_t = ServerConfig::default().max_random_delay_seconds)]
        max_random_delay_seconds: u32,
        /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
        #[arg(long, value_name = "PEM", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The certificate's private key (PEM, PKCS#8, PKCS#1 or SEC1); needs --tls-cert.
        #[arg(long, value_name = "PEM", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// The most connections served at once; more wait until one closes.
        #[arg(long, default_value_t = ConnectionLimits::default().max_connections)]
        max_connections: usize,
        /// Seconds a connection has to send a request head (and to finish a TLS handshake).
        #[arg(long, default_value_t = ConnectionLimits::default().header_read_timeout.as_secs())]
        header_read_timeout_seconds: u64,
        /// Seconds a request (its body and its answer) may take before it is answered 408.
        #[arg(long, default_value_t = ServerConfig::default().request_timeout_seconds)]
        request_timeout_seconds: u32,
        /// Enrolments one address may make at once.
        #[arg(long, default_value_t = RateLimitConfig::default().enrolment.burst)]
        enrolment_burst: u32,
        /// Seconds until one address may enrol one more device.
        #[arg(long, default_value_t = RateLimitConfig::default().enrolment.refill_seconds)]
        enrolment_refill_seconds: u32,
        /// Wrong tokens or invite codes one address may send before it is refused (429).
        #[arg(long, default_value_t = RateLimitConfig::default().authentication_failures.burst)]
        auth_failure_burst: u32,
        /// Seconds until one address may fail once more.
        #[arg(long, default_value_t = RateLimitConfig::default().authentication_failures.refill_seconds)]
        auth_failure_refill_seconds: u32,
    },
    /// Links the organisation to a helper server for two-server aggregation
    /// from a week that has not begun, and writes the pairing file to give
    /// the helper's administrator (it holds a secret: hand it over privately).
    LinkHelper {
        /// The organisation; may be left out when there is only one.
        #[arg(long)]
        organisation: Option<String>,
        /// The helper's address, such as https://helper.example:8443.
        #[arg(long)]
        url: String,
        /// Who holds the helper, as employees will read it.
        #[arg(long)]
        party: String,
        /// The helper's public key, as `helper-init` printed it.
        #[arg(long)]
        public_key: String,
        /// The first week aggregated with the helper, such as 2027-W05; next week by default.
        #[arg(long)]
        from: Option<String>,
        /// Where to write the pairing file (created; never overwritten).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The smallest count whose sd and histogram are released, as `serve` uses it.
        #[arg(long, default_value_t = ServerConfig::default().histogram_minimum)]
        histogram_minimum: u32,
        /// Seconds after the longest send delay that a week accepts reports, as `serve` uses it.
        #[arg(long, default_value_t = ServerConfig::default().acceptance_seconds)]
        acceptance_seconds: u32,
    },
    /// Helper role: creates the helper's key (once) for the party holding it
    /// and prints the public key on stdout, its fingerprint on stderr.
    HelperInit {
        /// Who holds the helper, such as "RSU of Acme S.p.A.".
        #[arg(long)]
        party: String,
    },
    /// Helper role: prints the helper's party, public key and fingerprint.
    HelperKey,
    /// Helper role: pins an organisation from the pairing file its server's
    /// administrator wrote (`link-helper`), and prints what was pinned.
    HelperPair {
        /// The pairing file.
        #[arg(long, value_name = "FILE")]
        pairing: PathBuf,
    },
    /// Helper role: prints every release the helper agreed to.
    HelperLog,
    /// Helper role: serves the helper's API to the organisation's server.
    HelperServe {
        /// The address to listen on; port 0 picks a free one.
        #[arg(long, default_value = "127.0.0.1:8443")]
        listen: SocketAddr,
        /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
        #[arg(long, value_name = "PEM", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The certificate's private key (PEM); needs --tls-cert.
        #[arg(long, value_name = "PEM", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Run the helper's calendar from this instant (RFC 3339), for tests.
        #[arg(long, value_name = "RFC3339")]
        now: Option<chrono::DateTime<chrono::FixedOffset>>,
    },
    /// Suggests how to read a survey tool's export (Qualtrics, SurveyMonkey,
    /// Google Forms, a spreadsheet): prints the mapping as JSON on stdout, to
    /// check, complete and save with `save-cx-mapping`; on stderr, what each
    /// column was taken for and why, and what the file does not tell.
    SuggestCxMapping {
        /// The export.
        file: PathBuf,
    },
    /// Saves a CX mapping (JSON, as `suggest-cx-mapping` prints it) under a
    /// name, for `import-cx --mapping NAME` and for HR's import in the app.
    SaveCxMapping {
        /// The organisation; may be left out when there is only one.
        #[arg(long)]
        organisation: Option<String>,
        /// The source's name, such as "Qualtrics assistenza".
        #[arg(long)]
        name: String,
        /// The mapping's JSON file.
        file: PathBuf,
    },
    /// Lists the saved CX mappings, one per line: name, time saved, and the mapping as JSON.
    ListCxMappings {
        /// The organisation; may be left out when there is only one.
        #[arg(long)]
        organisation: Option<String>,
    },
    /// Imports a CX file into the organisation's teams, all or nothing: in
    /// Polso's own layouts, or a survey tool's export through a saved mapping.
    /// Prints every row it stores (or would store, with --dry-run) on stdout,
    /// tab-separated: team, week, metric, value, responses; or every error
    /// with its line and column on stderr, storing nothing.
    ImportCx {
        /// The organisation; may be left out when there is only one.
        #[arg(long)]
        organisation: Option<String>,
        /// The name of a saved mapping (`save-cx-mapping`).
        #[arg(long)]
        mapping: Option<String>,
        /// Check and print only; store nothing.
        #[arg(long)]
        dry_run: bool,
        /// The file.
        file: PathBuf,
    },
    /// Prints the OpenAPI document of the HTTP API.
    Openapi,
    /// Writes a consistent copy of the SQLite database to a new file, safe while the server runs.
    /// The copy holds what the database holds: keep it as safely.
    Backup {
        /// The file to write; it must not exist.
        #[arg(long)]
        to: PathBuf,
    },
    /// Puts an SQLite backup in place of the database, with a new generation, so every device
    /// sends again the reports it still holds that the backup may have lost. Stop the server
    /// first: a database in use is refused. The backup is only read.
    Restore {
        /// The backup, as `backup` wrote it (or any consistent copy of the database).
        #[arg(long)]
        from: PathBuf,
        /// The restore's time (RFC 3339), kept with the new generation as the operator's
        /// record, instead of the system clock (for tests).
        #[arg(long, value_name = "RFC3339")]
        now: Option<chrono::DateTime<chrono::FixedOffset>>,
    },
    /// Gives the database a new generation: run it after restoring a PostgreSQL database (or an
    /// SQLite one by hand) from a backup, before starting the servers again, so every device sends
    /// again the reports it still holds. Servers already running keep answering with the old
    /// generation until restarted.
    NewGeneration {
        /// The restore's time (RFC 3339) instead of the system clock, for tests.
        #[arg(long, value_name = "RFC3339")]
        now: Option<chrono::DateTime<chrono::FixedOffset>>,
    },
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    if let Command::Openapi = cli.command {
        print!("{}", polso_server::http::openapi::document_json());
        return Ok(());
    }
    if let Command::Demo { dir } = &cli.command {
        return serve_demo(dir);
    }
    if let Command::SuggestCxMapping { file } = &cli.command {
        return suggest_cx_mapping(file);
    }
    if let Command::Backup { to } = &cli.command {
        let db = cli.db.as_deref().context(
            "backup needs --db PATH; back a PostgreSQL database up with its own tools (pg_dump, a base backup)",
        )?;
        polso_server::sqlite::generation::backup_sqlite(db, to)
            .with_context(|| format!("backing {} up to {}", db.display(), to.display()))?;
        eprintln!("{} backed up to {}", db.display(), to.display());
        return Ok(());
    }
    if let Command::Restore { from, now } = &cli.command {
        let db = cli.db.as_deref().context(
            "restore needs --db PATH; after restoring a PostgreSQL database with its own tools, run new-generation",
        )?;
        let restored_at = now.map_or_else(chrono::Utc::now, |now| now.to_utc());
        let generation = polso_server::sqlite::generation::restore_sqlite(db, from, restored_at)
            .with_context(|| format!("restoring {} from {}", db.display(), from.display()))?;
        eprintln!(
            "{} restored from {}; new generation {generation}: devices will send again the reports they still hold",
            db.display(),
            from.display()
        );
        return Ok(());
    }
    let command = match &cli.db {
        Some(db) => match helper_command(db, cli.command)? {
            Some(command) => command,
            None => return Ok(()),
        },
        None if is_helper_command(&cli.command) => {
            anyhow::bail!("a helper's commands need --db PATH: the helper keeps its own SQLite database")
        }
        None => cli.command,
    };
    let opened: Arc<dyn AdminStore> = match (&cli.db, &cli.database_url) {
        (Some(db), _) => Arc::new(
            SqliteServerStore::open(db)
                .with_context(|| format!("opening the server database {}", db.display()))?,
        ),
        (None, Some(url)) => Arc::new(
            PgServerStore::open_trusting(url, cli.database_ca.as_deref())
                .context("opening the PostgreSQL database")?,
        ),
        (None, None) => {
            anyhow::bail!("--db PATH or --database-url URL is needed: the server's database")
        }
    };
    let store: &dyn AdminStore = opened.as_ref();
    let now = chrono::Utc::now();
    match command {
        Command::InitOrg { name } => {
            let organisation = admin::init_organisation(store, &name).context("creating the organisation")?;
            println!("{}", organisation.id);
        }
        Command::AddDepartment { organisation, name } => {
            let organisation_id = admin::resolve_organisation(store, organisation.as_deref())?;
            println!(
                "{}",
                admin::add_department(store, &organisation_id, &name).context("adding the department")?
            );
        }
        Command::AddTeam { department, name, headcount } => {
            let team_id = match headcount {
                Some(headcount) => admin::add_team_with_headcount(store, &department, &name, headcount),
                None => admin::add_team(store, &department, &name),
            }
            .context("adding the team")?;
            if headcount.is_none() {
                eprintln!(
                    "team {team_id} has no head-count yet: no device can enrol into it until \
                     `set-headcount --team {team_id} N`"
                );
            }
            println!("{team_id}");
        }
        Command::SetHeadcount { team, headcount } => {
            admin::set_headcount(store, &team, headcount).context("setting the head-count")?;
            eprintln!("head-count of team {team} = {headcount}");
            if let Some(organisation) = store.team_organisation(&team)?
                && let Some(shared) = store.shared()
                && shared.helper_link(&organisation)?.is_some()
            {
                eprintln!(
                    "the helper verifies at most the head-count pinned when it was paired: for this one to count, link it again (`link-helper`) and have its administrator run `helper-pair` once the weeks it holds are published"
                );
            }
        }
        Command::CreateInvite { team, expires_in_days, uses } => {
            let code = admin::create_invite(store, &team, now, expires_in_days, uses)
                .context("creating the invite")?;
            eprintln!(
                "invite for team {team}: {uses} use(s), expires in {expires_in_days} day(s); shown only once"
            );
            let team_headcount = admin::team_headcount(store, &team).context("reading the head-count")?;
            match team_headcount.headcount {
                None => eprintln!(
                    "team {team} has no head-count yet: the invite enrols no device until \
                     `set-headcount --team {team} N`"
                ),
                Some(headcount) => eprintln!(
                    "team {team} holds {} of its {headcount} devices; enrolments beyond that are refused",
                    team_headcount.n_devices
                ),
            }
            println!("{code}");
        }
        Command::CreatePersonalCodes { team, count } => {
            let created = polso_server::store::credentials::create_personal_codes(store, &team, count)
                .context("creating personal codes")?;
            for code in &created.codes {
                println!("{code}");
            }
            eprintln!(
                "{count} personal code(s) for team {team}, shown only once; {} unspent in all",
                created.unspent
            );
            eprintln!(
                "team key fingerprint {} (one key per team: every code of the team is signed by it)",
                created.key_fingerprint
            );
        }
        Command::ListInvites { organisation } => {
            let organisation_id = admin::resolve_organisation(store, organisation.as_deref())?;
            let invites = admin::list_invites(store, &organisation_id).context("listing invites")?;
            eprintln!("{} invite(s) in {organisation_id}", invites.len());
            for invite in invites {
                let expiry = if invite.expires_at <= now { "expired" } else { "expires" };
                println!(
                    "{} team {} uses left {} {expiry} {}",
                    invite.id,
                    invite.team_id,
                    invite.uses_left,
                    invite.expires_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                );
            }
        }
        Command::RevokeInvite { id } => {
            admin::revoke_invite(store, &id).context("revoking the invite")?;
            eprintln!("invite {id} revoked");
        }
        Command::ListDevices { organisation, team } => {
            let organisation_id = admin::resolve_organisation(store, organisation.as_deref())?;
            let teams =
                admin::list_devices(store, &organisation_id, team.as_deref()).context("listing devices")?;
            for (team, devices) in teams {
                let headcount = team.headcount.map_or("not declared".to_owned(), |n| n.to_string());
                println!(
                    "{} {}: {} device(s), head-count {headcount}",
                    team.team_id, team.team_name, team.n_devices
                );
                for device in devices {
                    let week = device.enrolled_week.map_or("unknown".to_owned(), |week| week.to_string());
                    println!("  {} enrolled {week}", device.id);
                }
            }
        }
        Command::RevokeDevice { id } => {
            admin::revoke_device(store, &id).context("revoking the device")?;
            eprintln!("device {id} revoked: its token is refused from now on");
        }
        Command::ListHrTokens { organisation } => {
            let organisation_id = admin::resolve_organisation(store, organisation.as_deref())?;
            for token in admin::list_hr_tokens(store, &organisation_id).context("listing HR tokens")? {
                let scope = match &token.scope {
                    GrantedScope::Organisation => "whole organisation".to_owned(),
                    GrantedScope::Departments(departments) => {
                        format!("departments {}", departments.join(","))
                    }
                    GrantedScope::Teams(teams) => format!("manager of teams {}", teams.join(",")),
                };
                let state = if token.revoked { "revoked" } else { "active" };
                println!("{} {state} {scope}", token.id);
            }
        }
        Command::CreateHrToken { organisation, departments } => {
            let organisation_id = admin::resolve_organisation(store, organisation.as_deref())?;
            let created = admin::create_hr_token(store, &organisation_id, &departments)
                .context("creating the HR token")?;
            eprintln!(
                "HR token {} created (revoke with `revoke-hr-token --id {}`); shown only once",
                created.id, created.id
            );
            println!("{}", created.token);
        }
        Command::CreateManagerToken { organisation, teams } => {
            let organisation_id = admin::resolve_organisation(store, organisation.as_deref())?;
            let created = admin::create_manager_token(store, &organisation_id, &teams)
                .context("creating the manager token")?;
            eprintln!(
                "manager token {} created for {} team(s) (revoke with `revoke-hr-token --id {}`); shown only once",
                created.id,
                teams.len(),
                created.id
            );
            println!("{}", created.token);
        }
        Command::RevokeHrToken { id } => {
            admin::revoke_hr_token(store, &id).context("revoking the HR token")?;
            eprintln!("HR token {id} revoked");
        }
        Command::SetK { organisation, k } => {
            let organisation_id = admin::resolve_organisation(store, organisation.as_deref())?;
            admin::set_threshold(store, &organisation_id, k).context("setting k")?;
            eprintln!("k = {k} for {organisation_id}");
        }
        Command::SetCommentBatch { organisation, size } => {
            let organisation_id = admin::resolve_organisation(store, organisation.as_deref())?;
            store
                .comments()
                .set_comment_batch_size(&organisation_id, size)
                .context("setting the comment batch")?;
            eprintln!("comments are released in batches of {size} for {organisation_id}");
        }
        Command::SetDp { organisation, epsilon, off: _ } => {
            let organisation_id = admin::resolve_organisation(store, organisation.as_deref())?;
            let setting = admin::set_privacy(store, &organisation_id, epsilon.as_deref())
                .context("setting differential privacy")?;
            match setting.epsilon {
                Some(epsilon) => eprintln!(
                    "differential privacy on for {organisation_id}: epsilon = {epsilon} per released cell (release {})",
                    setting.release
                ),
                None => eprintln!("differential privacy off for {organisation_id}: released cells are exact"),
            }
        }
        Command::SetQuestionnaire { organisation, edition, who5, from } => {
            let organisation_id = admin::resolve_organisation(store, organisation.as_deref())?;
            let from = from
                .map(|text| text.parse::<polso_core::IsoWeek>().with_context(|| format!("--from {text}")))
                .transpose()?;
            let questionnaire = polso_core::questionnaire::Questionnaire { edition, who5 };
            let this_week = polso_core::IsoWeek::containing(now.date_naive());
            let plan = polso_server::questionnaire::adopt_questionnaire(
                store,
                &organisation_id,
                questionnaire,
                from,
                this_week,
            )
            .context("adopting the questionnaire")?;
            for line in polso_server::questionnaire::describe(&plan) {
                eprintln!("{line}");
            }
        }
        Command::SetCareContacts {
            organisation,
            employee_assistance_name_en,
            employee_assistance_name_it,
            employee_assistance_contact,
            occupational_doctor_name_en,
            occupational_doctor_name_it,
            occupational_doctor_contact,
            trusted_person_name_en,
            trusted_person_name_it,
            trusted_person_contact,
        } => {
            use polso_server::care::{CareContactInput, CareRole, set_care_contacts};
            let organisation_id = admin::resolve_organisation(store, organisation.as_deref())?;
            let given: Vec<(CareRole, CareContactInput)> = [
                (
                    CareRole::EmployeeAssistance,
                    employee_assistance_name_en,
                    employee_assistance_name_it,
                    employee_assistance_contact,
                ),
                (
                    CareRole::OccupationalDoctor,
                    occupational_doctor_name_en,
                    occupational_doctor_name_it,
                    occupational_doctor_contact,
                ),
                (
                    CareRole::TrustedPerson,
                    trusted_person_name_en,
                    trusted_person_name_it,
                    trusted_person_contact,
                ),
            ]
            .into_iter()
            .filter_map(|(role, name_en, name_it, contact)| {
                Some((role, CareContactInput { name_en: name_en?, name_it: name_it?, contact: contact? }))
            })
            .collect();
            let contacts = set_care_contacts(store, &organisation_id, &given, now)
                .context("setting the care contacts")?;
            for role in CareRole::ALL {
                match role.of(&contacts) {
                    Some(contact) => eprintln!(
                        "{}: {} / {} ({})",
                        role.key(),
                        contact.name_en,
                        contact.name_it,
                        contact.contact
                    ),
                    None => eprintln!("{}: none", role.key()),
                }
            }
        }
        Command::ShowOrg { organisation } => {
            let organisation_id = admin::resolve_organisation(store, organisation.as_deref())?;
            let tree = store.organisation_tree(&organisation_id)?;
            let privacy = match tree.organisation.privacy.epsilon {
                Some(epsilon) => format!("differential privacy epsilon = {epsilon}"),
                None => "differential privacy off".to_owned(),
            };
            println!(
                "{} {} (k = {}, {privacy})",
                tree.organisation.id,
                tree.organisation.name,
                tree.organisation.k.get()
            );
            for line in polso_server::questionnaire::describe(&tree.organisation.questionnaire) {
                println!("  questionnaire {line}");
            }
            for department in &tree.departments {
                println!("  {} {}", department.id, department.name);
                for team in &department.teams {
                    println!("    {} {}", team.id, team.name);
                }
            }
        }
        Command::DemoSeed { weeks, seed, today } => {
            if weeks == 0 || weeks > 520 {
                anyhow::bail!("--weeks must be 1 to 520");
            }
            let today = today.unwrap_or_else(|| now.date_naive());
            let demo =
                polso_server::demo::generate_demo(polso_server::demo::DemoOptions { seed, today, weeks });
            let seeded = polso_server::demo::seed_demo(store, &demo, now).context("seeding the demo")?;
            eprintln!(
                "seeded {} with {} reports over {weeks} weeks; secrets below are shown only once",
                demo.name, seeded.n_reports
            );
            println!("organisation: {}", seeded.organisation_id);
            println!("hr token: {}", seeded.hr_token);
            for (department, team, code) in &seeded.invites {
                println!("invite {department} / {team}: {code}");
            }
            let (manager_department, manager_team) = polso_server::demo::DEMO_MANAGER_TEAM;
            println!("manager token {manager_department} / {manager_team}: {}", seeded.manager_token);
        }
        Command::Serve {
            listen,
            acceptance_seconds,
            now,
            histogram_minimum,
            max_random_delay_seconds,
            tls_cert,
            tls_key,
            max_connections,
            header_read_timeout_seconds,
            request_timeout_seconds,
            enrolment_burst,
            enrolment_refill_seconds,
            auth_failure_burst,
            auth_failure_refill_seconds,
        } => {
            let config = ServerConfig {
                acceptance_seconds,
                histogram_minimum,
                max_random_delay_seconds,
                request_timeout_seconds,
                rate_limits: RateLimitConfig {
                    enrolment: Quota { burst: enrolment_burst, refill_seconds: enrolment_refill_seconds },
                    authentication_failures: Quota {
                        burst: auth_failure_burst,
                        refill_seconds: auth_failure_refill_seconds,
                    },
                },
                ..ServerConfig::default()
            };
            let limits = ConnectionLimits {
                max_connections,
                header_read_timeout: std::time::Duration::from_secs(header_read_timeout_seconds),
            };
            let tls = tls_cert.zip(tls_key).map(|(certificate, key)| TlsFiles { certificate, key });
            let clock: Arc<dyn Clock> = match now {
                Some(start) => Arc::new(OffsetClock::starting_at(start.with_timezone(&chrono::Utc))),
                None => Arc::new(SystemClock),
            };
            serve(opened.clone(), clock, listen, config, tls, limits, None)?;
        }
        Command::LinkHelper {
            organisation,
            url,
            party,
            public_key,
            from,
            out,
            histogram_minimum,
            acceptance_seconds,
        } => {
            let organisation_id = admin::resolve_organisation(store, organisation.as_deref())?;
            let from_week = match from {
                Some(text) => text.parse().context("--from must be an ISO week such as 2027-W05")?,
                None => polso_core::IsoWeek::containing(now.date_naive()).next(),
            };
            let config = ServerConfig { histogram_minimum, acceptance_seconds, ..ServerConfig::default() };
            let helper = admin::HelperToLink { url, party, public_key, from_week };
            let pairing = admin::link_helper(store, &organisation_id, &helper, config.publication())
                .context("linking the helper")?;
            let text = serde_json::to_string_pretty(&pairing).context("writing the pairing")?;
            write_new_private_file(&out, &text)?;
            eprintln!(
                "organisation {organisation_id} aggregates with the helper of {} from {from_week}; give {} to                  the helper's administrator privately (it holds the helper's token and the verify key)",
                helper.party,
                out.display()
            );
        }
        Command::SaveCxMapping { organisation, name, file } => {
            let organisation_id = admin::resolve_organisation(store, organisation.as_deref())?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading the mapping {}", file.display()))?;
            let mapping: polso_api::CxMapping = serde_json::from_str(&text).with_context(|| {
                format!("{} is not a CX mapping as `suggest-cx-mapping` prints it", file.display())
            })?;
            let name = polso_server::http::cx::checked_mapping_name(&name)?;
            polso_server::http::cx::check_mapping(&mapping)?;
            let stored = serde_json::to_string(&polso_core::survey::SurveyMapping::from(&mapping))?;
            store.save_cx_mapping(&organisation_id, "", &name, &stored, now)?;
            eprintln!("saved the CX mapping '{name}'; import with `import-cx --mapping '{name}' FILE`");
        }
        Command::ListCxMappings { organisation } => {
            let organisation_id = admin::resolve_organisation(store, organisation.as_deref())?;
            for saved in store.cx_mappings(&organisation_id, "")? {
                let mapping: polso_core::survey::SurveyMapping = serde_json::from_str(&saved.mapping)
                    .with_context(|| format!("the saved mapping '{}'", saved.name))?;
                let wire = serde_json::to_string(&polso_api::CxMapping::from(&mapping))?;
                println!("{}\t{}\t{wire}", saved.name, saved.saved_at.to_rfc3339());
            }
        }
        Command::ImportCx { organisation, mapping, dry_run, file } => {
            let organisation_id = admin::resolve_organisation(store, organisation.as_deref())?;
            let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            import_cx(store, &organisation_id, &bytes, mapping.as_deref(), dry_run, now)?;
        }
        Command::NewGeneration { now: restored_at } => {
            let restored_at = restored_at.map_or(now, |at| at.to_utc());
            let generation = store.new_generation(restored_at).context("making a new generation")?;
            eprintln!(
                "new generation {generation}: devices will send again the reports they still hold; \
                 restart any server that was running"
            );
        }
        Command::Openapi
        | Command::Backup { .. }
        | Command::Restore { .. }
        | Command::SuggestCxMapping { .. }
        | Command::Demo { .. }
        | Command::HelperInit { .. }
        | Command::HelperKey
        | Command::HelperPair { .. }
        | Command::HelperLog
        | Command::HelperServe { .. } => unreachable!("handled before the database is opened"),
    }
    Ok(())
}

/// Whether `command` is one of a helper's, which run on the helper's own database.
fn is_helper_command(command: &Command) -> bool {
    matches!(
        command,
        Command::HelperInit { .. }
            | Command::HelperKey
            | Command::HelperPair { .. }
            | Command::HelperLog
            | Command::HelperServe { .. }
    )
}

/// Runs a helper-role command on the helper's database `db`; gives back any
/// other command, for the organisation's server.
fn helper_command(db: &std::path::Path, command: Command) -> Result<Option<Command>> {
    use polso_server::helper_store::HelperStore;
    let open =
        || HelperStore::open(db).with_context(|| format!("opening the helper database {}", db.display()));
    match command {
        Command::HelperInit { party } => {
            let keys = open()?.init(&party).context("creating the helper's key")?;
            eprintln!(
                "helper of {}: key fingerprint {} (publish it, so employees can compare it with the one their app shows)",
                party.trim(),
                keys.public().fingerprint()
            );
            println!("{}", base64_of(keys.public().as_bytes()));
        }
        Command::HelperKey => {
            let (party, keys) =
                open()?.identity()?.context("this helper has no key yet: run `helper-init`")?;
            println!("party: {party}");
            println!("public key: {}", base64_of(keys.public().as_bytes()));
            println!("fingerprint: {}", keys.public().fingerprint());
        }
        Command::HelperPair { pairing } => {
            let text = std::fs::read_to_string(&pairing)
                .with_context(|| format!("reading the pairing file {}", pairing.display()))?;
            let pairing: polso_server::helper_wire::Pairing =
                serde_json::from_str(&text).context("the pairing file is not one `link-helper` wrote")?;
            pairing.check().context("checking the pairing")?;
            open()?.pair(&pairing, chrono::Utc::now())?;
            let teams: usize = pairing.departments.iter().map(|department| department.teams.len()).sum();
            for department in &pairing.departments {
                for team in &department.teams {
                    eprintln!(
                        "team {} of department {}: head-count {}",
                        team.id, department.id, team.headcount
                    );
                }
            }
            let people: u64 = pairing
                .departments
                .iter()
                .flat_map(|department| &department.teams)
                .map(|team| u64::from(team.headcount))
                .sum();
            eprintln!(
                "pinned {} ({}): k = {}, histogram minimum {}, {}, {} departments and {teams} teams of {people} people in all (at most one report each a week), from {}",
                pairing.organisation_name,
                pairing.organisation_id,
                pairing.k,
                pairing.histogram_minimum,
                pairing
                    .epsilon
                    .as_deref()
                    .map_or("no differential privacy".to_owned(), |epsilon| format!("ε = {epsilon}")),
                pairing.departments.len(),
                pairing.from_week
            );
        }
        Command::HelperLog => {
            for entry in open()?.release_log()? {
                println!("{} {} {}", entry.released_at, entry.organisation_id, entry.summary);
            }
        }
        Command::HelperServe { listen, tls_cert, tls_key, now } => {
            let store = open()?;
            store.identity()?.context("this helper has no key yet: run `helper-init`")?;
            let clock: Arc<dyn Clock> = match now {
                Some(start) => Arc::new(OffsetClock::starting_at(start.with_timezone(&chrono::Utc))),
                None => Arc::new(SystemClock),
            };
            let helper = Arc::new(polso_server::helper::Helper::new(store, clock));
            let tls = tls_cert.zip(tls_key).map(|(certificate, key)| TlsFiles { certificate, key });
            init_logging();
            let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            runtime.block_on(polso_server::serve::serve(
                polso_server::http::helper::helper_app(helper),
                listen,
                tls,
                ConnectionLimits::default(),
                polso_server::serve::shutdown_signal(),
            ))?;
        }
        other => return Ok(Some(other)),
    }
    Ok(None)
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Writes `text` into a new file readable by its owner only; refuses to
/// overwrite one.
fn write_new_private_file(path: &std::path::Path, text: &str) -> Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {} (it must not exist yet)", path.display()))?;
    file.write_all(text.as_bytes()).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

fn init_logging() {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .init();
}

/// Prepares the demo in `dir` and serves it with the default settings until Ctrl-C.
fn serve_demo(dir: &std::path::Path) -> Result<()> {
    let (facts, address) =
        polso_server::demo_setup::prepare_demo(dir, chrono::Utc::now()).context("preparing the demo")?;
    if facts.address_changed {
        eprintln!("the demo's last address was taken; it now listens on {}", facts.server_url);
    }
    let database = dir.join(polso_server::demo_setup::DATABASE_FILE);
    let store = SqliteServerStore::open(&database)
        .with_context(|| format!("opening the demo's database {}", database.display()))?;
    // The demo's helper, on its own database and port, served by this process beside the organisation's server.
    let helper = match &facts.helper_url {
        Some(url) => {
            let listen: SocketAddr =
                url.trim_start_matches("http://").parse().context("reading the demo helper's address")?;
            let helper = Arc::new(polso_server::demo_helper::open_helper(dir)?);
            Some((listen, polso_server::http::helper::helper_app(helper)))
        }
        None => None,
    };
    serve(
        Arc::new(store),
        Arc::new(SystemClock),
        address,
        ServerConfig::default(),
        None,
        ConnectionLimits::default(),
        helper,
    )
}

/// Serves the organisation's server until Ctrl-C, and, when given, a
/// helper's Router on its own address by the same process (the demo's); the
/// helper prints no line of its own, so the first line on stdout stays the
/// organisation server's address.
fn serve(
    store: Arc<dyn AdminStore>,
    clock: Arc<dyn Clock>,
    listen: SocketAddr,
    config: ServerConfig,
    tls: Option<TlsFiles>,
    limits: ConnectionLimits,
    helper: Option<(SocketAddr, axum::Router)>,
) -> Result<()> {
    init_logging();
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    if let Some((helper_listen, helper_router)) = helper {
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind(helper_listen))
            .with_context(|| format!("listening for the demo's helper on {helper_listen}"))?;
        runtime.spawn(async move { axum::serve(listener, helper_router).await });
    }
    let state = AppState::new(store, clock, config);
    // Publish due weeks every minute, so a week's raw sums leave the disk
    // when its window closes even if nobody reads.
    let publisher = state.clone();
    runtime.spawn(async move {
        loop {
            match publisher.publish_due_weeks().await {
                Ok(0) => {}
                Ok(weeks) => tracing::info!(weeks, "published"),
                Err(error) => tracing::error!(%error, "publishing due weeks failed; retrying in a minute"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
        }
    });
    let router = app(state);
    runtime.block_on(polso_server::serve::serve(
        router,
        listen,
        tls,
        limits,
        polso_server::serve::shutdown_signal(),
    ))
}

/// `suggest-cx-mapping`: the mapping on stdout, what decided it on stderr.
fn suggest_cx_mapping(file: &std::path::Path) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let survey = polso_core::survey::SurveyFile::read(&bytes).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
        anyhow::anyhow!("{} cannot be read:\n{}", file.display(), lines.join("\n"))
    })?;
    let suggestion = polso_api::CxMappingSuggestion::from(&polso_core::survey::suggest_mapping(&survey));
    eprintln!("looks like an export of {:?}", suggestion.tool);
    for column in &suggestion.columns {
        eprintln!(
            "column {} '{}': {:?} ({:?}{})",
            column.position,
            column.name,
            column.role,
            column.evidence,
            column.word.as_deref().map(|word| format!(": '{word}'")).unwrap_or_default()
        );
    }
    for question in &suggestion.questions {
        eprintln!("to decide before importing: {}", serde_json::to_string(question)?);
    }
    println!("{}", serde_json::to_string_pretty(&suggestion.mapping)?);
    Ok(())
}

/// `import-cx`: every row stored (or that would be) on stdout, or every error on stderr.
fn import_cx(
    store: &dyn ServerStore,
    organisation_id: &str,
    bytes: &[u8],
    mapping: Option<&str>,
    dry_run: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    use polso_server::cx::CheckedCx;

    match polso_server::cx::import_as_administrator(store, organisation_id, bytes, mapping, dry_run, now)? {
        CheckedCx::Rejected(rejection) => {
            for issue in &rejection.report.errors {
                eprintln!("line {}, column {}: {}", issue.line, issue.column, issue.message);
            }
            anyhow::bail!("{}", rejection.message)
        }
        CheckedCx::Clean { report, scores } => {
            let tree = store.organisation_tree(organisation_id)?;
            let names: std::collections::HashMap<&str, &str> = tree
                .departments
                .iter()
                .flat_map(|department| &department.teams)
                .map(|team| (team.id.as_str(), team.name.as_str()))
                .collect();
            for score in &scores {
                let n = score.n.map(|n| n.to_string()).unwrap_or_default();
                let team = names.get(score.team_id.as_str()).copied().unwrap_or(&score.team_id);
                println!("{team}\t{}\t{}\t{}\t{n}", score.week, score.metric, score.value);
            }
            eprintln!(
                "{} rows of {} teams{}; {}",
                report.rows,
                report.teams,
                report.weeks.map(|weeks| format!(", {} to {}", weeks.from, weeks.to)).unwrap_or_default(),
                if report.stored { "stored" } else { "nothing stored (dry run)" }
            );
            Ok(())
        }
    }
}
