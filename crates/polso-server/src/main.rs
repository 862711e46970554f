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
use polso_server::store::ServerStore;
use polso_server::{AppState, ServerConfig, SqliteServerStore, SystemClock, admin, app};
use tracing_subscriber::EnvFilter;

/// Polso's organisation server and its administration.
#[derive(Debug, Parser)]
#[command(name = "polso-server", version, about)]
struct Cli {
    /// The server's SQLite database; created and migrated when missing.
    /// Every command but `openapi` needs it.
    #[arg(long, value_name = "PATH")]
    db: Option<PathBuf>,
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
    /// Adds a team to a department and prints its id.
    AddTeam {
        /// The department's id.
        #[arg(long)]
        department: String,
        /// The team's name.
        #[arg(long)]
        name: String,
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
    /// Creates an HR token and prints it once; its id (for revoking) goes to stderr.
    CreateHrToken {
        /// The organisation; may be left out when there is only one.
        #[arg(long)]
        organisation: Option<String>,
        /// Limit the token to these departments (ids, comma-separated); the whole organisation when absent.
        #[arg(long, value_delimiter = ',', num_args = 1..)]
        departments: Vec<String>,
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
    /// Turns differential privacy on (`--epsilon E`, ε per released cell) or
    /// off (`--off`). Off by default; no request can change it.
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
    /// Serves the HTTP API.
    Serve {
        /// The address to listen on; port 0 picks a free one.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Reports for weeks older than this are refused.
        #[arg(long, default_value_t = ServerConfig::default().max_report_age_weeks)]
        max_report_age_weeks: u32,
        /// Devices wait up to this many seconds after a week closes before sending.
        #[arg(long, default_value_t = ServerConfig::default().max_random_delay_seconds)]
        max_random_delay_seconds: u32,
        /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
        #[arg(long, value_name = "PEM", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The certificate's private key (PEM, PKCS#8, PKCS#1 or SEC1); needs --tls-cert.
        #[arg(long, value_name = "PEM", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
    },
    /// Prints the OpenAPI document of the HTTP API.
    Openapi,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    if let Command::Openapi = cli.command {
        print!("{}", polso_server::openapi::document_json());
        return Ok(());
    }
    let Some(db) = cli.db else {
        anyhow::bail!("--db PATH is needed: the server's database");
    };
    let store = SqliteServerStore::open(&db)
        .with_context(|| format!("opening the server database {}", db.display()))?;
    let now = chrono::Utc::now();
    match cli.command {
        Command::InitOrg { name } => {
            let organisation =
                admin::init_organisation(&store, &name).context("creating the organisation")?;
            println!("{}", organisation.id);
        }
        Command::AddDepartment { organisation, name } => {
            let organisation_id = admin::resolve_organisation(&store, organisation.as_deref())?;
            println!(
                "{}",
                admin::add_department(&store, &organisation_id, &name).context("adding the department")?
            );
        }
        Command::AddTeam { department, name } => {
            println!("{}", admin::add_team(&store, &department, &name).context("adding the team")?);
        }
        Command::CreateInvite { team, expires_in_days, uses } => {
            let code = admin::create_invite(&store, &team, now, expires_in_days, uses)
                .context("creating the invite")?;
            eprintln!(
                "invite for team {team}: {uses} use(s), expires in {expires_in_days} day(s); shown only once"
            );
            println!("{code}");
        }
        Command::CreateHrToken { organisation, departments } => {
            let organisation_id = admin::resolve_organisation(&store, organisation.as_deref())?;
            let created = admin::create_hr_token(&store, &organisation_id, &departments)
                .context("creating the HR token")?;
            eprintln!(
                "HR token {} created (revoke with `revoke-hr-token --id {}`); shown only once",
                created.id, created.id
            );
            println!("{}", created.token);
        }
        Command::RevokeHrToken { id } => {
            admin::revoke_hr_token(&store, &id).context("revoking the HR token")?;
            eprintln!("HR token {id} revoked");
        }
        Command::SetK { organisation, k } => {
            let organisation_id = admin::resolve_organisation(&store, organisation.as_deref())?;
            admin::set_threshold(&store, &organisation_id, k).context("setting k")?;
            eprintln!("k = {k} for {organisation_id}");
        }
        Command::SetDp { organisation, epsilon, off: _ } => {
            let organisation_id = admin::resolve_organisation(&store, organisation.as_deref())?;
            let setting = admin::set_privacy(&store, &organisation_id, epsilon.as_deref())
                .context("setting differential privacy")?;
            match setting.epsilon {
                Some(epsilon) => eprintln!(
                    "differential privacy on for {organisation_id}: epsilon = {epsilon} per released cell (release {})",
                    setting.release
                ),
                None => eprintln!("differential privacy off for {organisation_id}: released cells are exact"),
            }
        }
        Command::ShowOrg { organisation } => {
            let organisation_id = admin::resolve_organisation(&store, organisation.as_deref())?;
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
            let seeded = polso_server::demo::seed_demo(&store, &demo, now).context("seeding the demo")?;
            eprintln!(
                "seeded {} with {} reports over {weeks} weeks; secrets below are shown only once",
                demo.name, seeded.n_reports
            );
            println!("organisation: {}", seeded.organisation_id);
            println!("hr token: {}", seeded.hr_token);
            for (department, team, code) in &seeded.invites {
                println!("invite {department} / {team}: {code}");
            }
        }
        Command::Serve { listen, max_report_age_weeks, max_random_delay_seconds, tls_cert, tls_key } => {
            let config =
                ServerConfig { max_report_age_weeks, max_random_delay_seconds, ..ServerConfig::default() };
            serve(store, listen, config, tls_cert.zip(tls_key))?;
        }
        Command::Openapi => unreachable!("handled before the database is opened"),
    }
    Ok(())
}

fn serve(
    store: SqliteServerStore,
    listen: SocketAddr,
    config: ServerConfig,
    tls: Option<(PathBuf, PathBuf)>,
) -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    runtime.block_on(async move {
        let listener =
            tokio::net::TcpListener::bind(listen).await.with_context(|| format!("listening on {listen}"))?;
        let address = listener.local_addr().context("reading the bound address")?;
        let router = app(AppState::new(Arc::new(store), Arc::new(SystemClock), config));
        let Some((certificate, key)) = tls else {
            // Tests and scripts read this line to learn the port.
            println!("polso-server listening on http://{address}");
            return axum::serve(listener, router)
                .with_graceful_shutdown(shutdown_signal())
                .await
                .context("serving HTTP");
        };
        let tls_config =
            axum_server::tls_rustls::RustlsConfig::from_pem_file(&certificate, &key).await.with_context(
                || format!("reading the TLS certificate {} and key {}", certificate.display(), key.display()),
            )?;
        let handle = axum_server::Handle::new();
        let shutdown_handle = handle.clone();
        tokio::spawn(async move {
            shutdown_signal().await;
            shutdown_handle.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
        });
        let listener = listener.into_std().context("handing the socket to the TLS server")?;
        println!("polso-server listening on https://{address}");
        axum_server::from_tcp_rustls(listener, tls_config)
            .context("starting the TLS server")?
            .handle(handle)
            .serve(router.into_make_service())
            .await
            .context("serving HTTPS")
    })
}

/// Resolves on Ctrl-C; if the handler cannot be installed, never (serve until killed).
async fn shutdown_signal() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}
