//! A synthetic organisation in a real `polso-server` database, and the real
//! server binary started on it, shared by the ingest and HR benchmarks.
//!
//! Set-up is not what these benchmarks measure, so the bulk of it (thousands
//! of teams, a hundred thousand enrolled devices, years of sums) is written
//! with plain SQL in one transaction into the schema the server's own
//! migrations created; the organisation, its departments and the HR token go
//! through the server's admin functions. Either store: an SQLite file, or a
//! PostgreSQL database (a throw-away one the benchmark starts).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use polso_core::IsoWeek;
use polso_core::bank::ItemBank;
use polso_core::schedule::Schedule;
use polso_server::store::Organisation;
use polso_server::{AdminStore, PgServerStore, SqliteServerStore, admin};
use rusqlite::{Connection, params};

/// Which store a benchmark runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Store {
    /// The embedded default: one SQLite file.
    Sqlite,
    /// PostgreSQL: a throw-away cluster started for the run.
    Postgres,
}

/// A benchmark's server database.
pub enum Database {
    /// An SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL database, by URL, with the cluster that serves it.
    Postgres { url: String, _cluster: polso_test_support::postgres::TempPostgres },
}

impl Database {
    /// A fresh database on `store`: the file `work_dir/name.db`, or a new PostgreSQL cluster.
    pub fn fresh(store: Store, work_dir: &Path, name: &str) -> Result<Database> {
        Ok(match store {
            Store::Sqlite => {
                let path = work_dir.join(format!("{name}.db"));
                remove_database(&path);
                Database::Sqlite(path)
            }
            Store::Postgres => {
                let cluster = polso_test_support::postgres::TempPostgres::start()?;
                Database::Postgres { url: cluster.url.clone(), _cluster: cluster }
            }
        })
    }

    /// The server's store on it (migrating it when new).
    pub fn open_store(&self) -> Result<Box<dyn AdminStore>> {
        Ok(match self {
            Database::Sqlite(path) => {
                Box::new(SqliteServerStore::open(path).context("opening the SQLite database")?)
            }
            Database::Postgres { url, .. } => {
                Box::new(PgServerStore::open(url).context("opening PostgreSQL")?)
            }
        })
    }

    /// How `polso-server`'s command line names it.
    pub fn arguments(&self) -> Vec<String> {
        match self {
            Database::Sqlite(path) => vec!["--db".to_owned(), path.to_string_lossy().into_owned()],
            Database::Postgres { url, .. } => vec!["--database-url".to_owned(), url.clone()],
        }
    }

    /// A plain connection, for seeding and for the baselines.
    pub fn connect(&self) -> Result<Connected> {
        Ok(match self {
            Database::Sqlite(path) => Connected::Sqlite(Connection::open(path)?),
            Database::Postgres { url, .. } => {
                Connected::Postgres(Box::new(postgres::Client::connect(url, postgres::NoTls)?))
            }
        })
    }

    /// Deletes an SQLite database's files (a PostgreSQL cluster goes when dropped).
    pub fn remove(&self) {
        if let Database::Sqlite(path) = self {
            remove_database(path);
        }
    }
}

/// A plain connection to a benchmark's database.
pub enum Connected {
    /// SQLite.
    Sqlite(Connection),
    /// PostgreSQL.
    Postgres(Box<postgres::Client>),
}

impl Connected {
    /// One count that `sql` (no parameters, the same in both dialects) selects.
    pub fn count(&mut self, sql: &str) -> Result<i64> {
        Ok(match self {
            Connected::Sqlite(connection) => connection.query_row(sql, [], |row| row.get(0))?,
            Connected::Postgres(client) => client.query_one(sql, &[])?.get(0),
        })
    }

    /// What an operator's maintenance does after a mass delete, before reads are timed: on
    /// PostgreSQL `VACUUM (ANALYZE)`, so the reads do not race autovacuum over the dead tuples
    /// publication leaves; nothing on SQLite, whose deletes leave none.
    pub fn settle(&mut self) -> Result<()> {
        if let Connected::Postgres(client) = self {
            client.batch_execute("VACUUM (ANALYZE)")?;
        }
        Ok(())
    }
}

/// Teams per department.
const TEAMS_PER_DEPARTMENT: usize = 50;

/// An organisation seeded in a server database.
pub struct World<'database> {
    /// The database.
    pub database: &'database Database,
    /// The organisation.
    pub organisation: Organisation,
    /// Its teams' ids.
    pub teams: Vec<String>,
    /// An HR token for the whole organisation.
    pub hr_token: String,
}

impl<'database> World<'database> {
    /// Creates one organisation of `n_teams` teams in `database`.
    pub fn create(database: &'database Database, n_teams: usize) -> Result<World<'database>> {
        let store = database.open_store().context("creating the server database")?;
        let organisation = admin::init_organisation(store.as_ref(), "Bench Srl")?;
        let n_departments = n_teams.div_ceil(TEAMS_PER_DEPARTMENT).max(1);
        let departments = (0..n_departments)
            .map(|index| {
                admin::add_department(store.as_ref(), &organisation.id, &format!("Department {index:03}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let hr_token = admin::create_hr_token(store.as_ref(), &organisation.id, &[])?.token;
        drop(store);

        let teams: Vec<(String, String, String)> = (0..n_teams)
            .map(|index| {
                (
                    format!("team_bench{index:06}"),
                    departments[index / TEAMS_PER_DEPARTMENT].clone(),
                    format!("Team {index:06}"),
                )
            })
            .collect();
        match database.connect()? {
            Connected::Sqlite(mut connection) => {
                let transaction = connection.transaction()?;
                {
                    let mut insert = transaction
                        .prepare("INSERT INTO teams (id, department_id, name) VALUES (?1, ?2, ?3)")?;
                    for (id, department, name) in &teams {
                        insert.execute(params![id, department, name])?;
                    }
                }
                transaction.commit()?;
            }
            Connected::Postgres(mut client) => {
                let mut transaction = client.transaction()?;
                let insert =
                    transaction.prepare("INSERT INTO teams (id, department_id, name) VALUES ($1, $2, $3)")?;
                for (id, department, name) in &teams {
                    transaction.execute(&insert, &[id, department, name])?;
                }
                transaction.commit()?;
            }
        }
        let teams = teams.into_iter().map(|(id, _, _)| id).collect();
        Ok(World { database, organisation, teams, hr_token })
    }

    /// The organisation's schedule.
    pub fn schedule(&self) -> Schedule {
        Schedule::with_plan(ItemBank::embedded(), self.organisation.seed, &self.organisation.questionnaire)
    }

    /// Whether the store agrees the organisation exists (a cheap sanity check
    /// that the plain-SQL set-up left a database the server can read).
    pub fn check(&self) -> Result<()> {
        let store = self.database.open_store()?;
        let tree = store.organisation_tree(&self.organisation.id)?;
        let n_teams: usize = tree.departments.iter().map(|department| department.teams.len()).sum();
        anyhow::ensure!(
            n_teams == self.teams.len(),
            "the server sees {n_teams} teams, not {}",
            self.teams.len()
        );
        Ok(())
    }
}

/// The keys the schedule asks in `week`: its items and the metrics they score.
pub fn asked_keys(schedule: &Schedule, week: IsoWeek) -> (Vec<String>, Vec<polso_core::Metric>) {
    let bank = ItemBank::embedded();
    let items: Vec<String> =
        schedule.items_for_week(week).iter().map(|item| item.as_str().to_owned()).collect();
    let mut metrics: Vec<polso_core::Metric> =
        items.iter().filter_map(|id| bank.item(id).map(|item| item.metric)).collect();
    metrics.sort();
    metrics.dedup();
    (items, metrics)
}

/// The real `polso-server` binary serving a database on a free loopback port.
pub struct RunningServer {
    child: Child,
    /// Its address, such as `http://127.0.0.1:40123`.
    pub base_url: String,
}

impl RunningServer {
    /// Starts the server binary on `database` with `serve` on a free loopback
    /// port and `serve_arguments` (such as `--now`), its log in `log`.
    pub fn start_with(
        binary: &Path,
        database: &Database,
        log: &Path,
        serve_arguments: &[&str],
    ) -> Result<RunningServer> {
        let log_file = std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let mut child = Command::new(binary)
            .args(database.arguments())
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(serve_arguments)
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file))
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let stdout = child.stdout.take().context("the server's stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).context("reading the server's address")?;
        let Some(base_url) = line.trim().strip_prefix("polso-server listening on ") else {
            let _ = child.kill();
            bail!("the server did not say where it listens (log in {}): '{line}'", log.display());
        };
        Ok(RunningServer { base_url: base_url.to_owned(), child })
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The server's peak resident memory so far, in MiB.
    pub fn peak_memory_mib(&self) -> f64 {
        polso_bench::peak_memory_mib(&self.pid().to_string()).unwrap_or(f64::NAN)
    }

    /// Stops the server with SIGINT (its graceful shutdown) and waits for it.
    pub fn stop(mut self) {
        let _ = Command::new("kill").args(["-INT", &self.pid().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Deletes a database file and its WAL and shared-memory files: the
/// benchmarks' databases run to gigabytes and are not needed afterwards.
pub fn remove_database(database: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut name = database.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

/// An HTTP client that hands back every status instead of failing on 4xx/5xx.
pub fn http_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}
