//! The server's storage on PostgreSQL, for an organisation that runs its
//! server on the database its operations team already runs, as several
//! replicas behind a load balancer (`polso-server --database-url postgres://…`).
//!
//! The same trait, tables and rules as the SQLite store (see
//! `migrations-pg/0001_initial.sql` for the differences of type), over a
//! pool of blocking connections: handlers already call the store inside
//! `spawn_blocking`. What one SQLite writer gave for free, replicas get here:
//!
//! - **Dedupe under concurrency.** A report's receipt is inserted with
//!   `ON CONFLICT DO NOTHING`; a second replica folding the same report
//!   waits on the first one's row and then finds it, so a report is counted
//!   once whichever replicas receive it.
//! - **Sums added in SQL.** A contribution is an upsert that adds to `n`,
//!   the sums and the histogram's counters in place, never a read-modify-write.
//! - **One publisher at a time.** [`crate::store::ServerStore::lock_publication`] holds an
//!   advisory lock per organisation on a connection of its own; every fold
//!   takes the same lock shared, so no report is folded into a week while it
//!   is read and published, and a second replica's publisher waits and then
//!   finds the week published.
//! - **Migrations under a lock**, so replicas starting together migrate once.
//! - **Durable commits** ([`durability`]): every session asks for synchronous commit, and a
//!   cluster with `fsync` off is refused, since a report is answered once its commit returns.
//!
//! The blocking client drives each query on a small runtime of its own, which
//! Tokio forbids on a thread that drives async tasks. So every call of the
//! store, and the dropping of its connections, runs on a pool of plain
//! threads of the store's own ([`PgServerStore::on_workers`]): the store may
//! be called from anywhere, an async test's body included, as the SQLite
//! store can. The server's request handlers call it on Tokio's blocking
//! threads, which may block, so there it runs in place ([`may_block_here`]).

mod admin;
mod comments;
mod connection;
mod credentials;
mod durability;
mod migrations;
mod shared;
mod store;
#[cfg(test)]
mod tests;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use r2d2::{Pool, PooledConnection};
use r2d2_postgres::PostgresConnectionManager;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::{Result, ServerError};
use crate::group_commit::GroupCommit;
use crate::secrets::{Hash32, random_bytes};

pub use migrations::PG_SCHEMA_VERSION;

/// How a connection is encrypted: TLS whenever the URL's `sslmode` asks for
/// it (`require`) or allows it (`prefer`, the default, when the database
/// offers TLS), never with `disable`.
type Tls = MakeRustlsConnect;

/// A connection from the pool, with the statements it has prepared.
pub(crate) type Client = PooledConnection<connection::Manager>;

/// The server's PostgreSQL database.
pub struct PgServerStore {
    /// `None` only while being dropped (on the workers).
    pool: Option<Pool<connection::Manager>>,
    receipt_secret: Hash32,
    /// The database's generation, as read at open or last made here.
    pub(crate) generation: std::sync::Mutex<String>,
    workers: Arc<rayon::ThreadPool>,
    /// Reports on their way to the writer: see `fold_report`.
    folds: GroupCommit,
}

impl std::fmt::Debug for PgServerStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The receipt secret and the URL's password stay out of debug output.
        f.debug_struct("PgServerStore").finish_non_exhaustive()
    }
}

/// How many connections one server process keeps at most.
const POOL_SIZE: u32 = 16;

/// How long a request waits for a free connection before failing.
const POOL_WAIT: Duration = Duration::from_secs(10);

impl PgServerStore {
    /// Connects to the database at `url` (`postgres://user@host:port/db`),
    /// migrates it under a lock, and reads or creates the server's secret.
    /// A database from a newer polso-server is refused and left untouched.
    /// A TLS connection verifies the database's certificate and host name
    /// against the system's roots.
    pub fn open(url: &str) -> Result<PgServerStore> {
        PgServerStore::open_trusting(url, None)
    }

    /// [`PgServerStore::open`], verifying a TLS connection against the CA
    /// certificates of the PEM file `ca` instead of the system's roots (a
    /// database whose certificate a private CA signed).
    pub fn open_trusting(url: &str, ca: Option<&Path>) -> Result<PgServerStore> {
        let config: postgres::Config = url.parse().map_err(|error: postgres::Error| {
            ServerError::InvalidInput(format!("the database URL is not a PostgreSQL URL: {error}"))
        })?;
        let tls = tls_trusting(ca)?;
        let workers = new_workers()?;
        workers.install(|| PgServerStore::open_with(config, tls, workers.clone()))
    }

    /// [`PgServerStore::open`] in the schema `schema` of the database at
    /// `url`, created if missing: many stores in one database, as the tests
    /// use it.
    pub fn open_in_schema(url: &str, schema: &str) -> Result<PgServerStore> {
        if schema.is_empty()
            || !schema.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_')
        {
            return Err(ServerError::InvalidInput(format!("'{schema}' is not a plain schema name")));
        }
        let mut config: postgres::Config = url.parse().map_err(|error: postgres::Error| {
            ServerError::InvalidInput(format!("the database URL is not a PostgreSQL URL: {error}"))
        })?;
        let tls = tls_trusting(None)?;
        let workers = new_workers()?;
        workers.install(|| {
            let mut client = config.connect(tls.clone())?;
            client.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))?;
            drop(client);
            config.options(&format!("-c search_path={schema}"));
            PgServerStore::open_with(config, tls, workers.clone())
        })
    }

    fn open_with(
        mut config: postgres::Config,
        tls: Tls,
        workers: Arc<rayon::ThreadPool>,
    ) -> Result<PgServerStore> {
        config.application_name("polso-server");
        let options = durability::with_durable_session(config.get_options());
        config.options(&options);
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        // One connection outside the pool first: a refused certificate or
        // password is said at once, with its cause, not as the pool's time-out.
        drop(config.connect(tls.clone())?);
        let manager = connection::Manager(PostgresConnectionManager::new(config, tls));
        let pool = Pool::builder()
            .max_size(POOL_SIZE)
            .min_idle(Some(1))
            .connection_timeout(POOL_WAIT)
            .build(manager)?;
        let mut client = pool.get()?;
        durability::check(client.client())?;
        migrations::to_latest(&mut client)?;
        client.execute(
            "INSERT INTO server_secret (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
            &[&&random_bytes::<32>()?[..]],
        )?;
        let secret: Vec<u8> = client.query_one("SELECT secret FROM server_secret WHERE id = 1", &[])?.get(0);
        let receipt_secret = secret
            .try_into()
            .map_err(|_| ServerError::CorruptData("the server secret is not 32 bytes".to_owned()))?;
        client.execute(
            "INSERT INTO server_generation (id, generation) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
            &[&crate::generation::new_generation_id()?],
        )?;
        let generation = std::sync::Mutex::new(
            client
                .query_one("SELECT generation FROM server_generation WHERE id = 1", &[])?
                .get::<_, String>(0),
        );
        drop(client);
        let folds = GroupCommit::start("polso-report-writer", {
            let pool = pool.clone();
            move |queued| store::write_group(&pool, queued)
        })?;
        Ok(PgServerStore { pool: Some(pool), receipt_secret, generation, workers, folds })
    }

    /// A connection from the pool; only on the workers ([`PgServerStore::on_workers`]).
    pub(crate) fn client(&self) -> Result<Client> {
        let pool =
            self.pool.as_ref().ok_or_else(|| ServerError::BlockingTask("the store is closing".to_owned()))?;
        Ok(pool.get()?)
    }

    /// Runs `work` where the blocking client may run its runtime, and waits
    /// for it: every use of a connection goes through here (see the module's
    /// notes). On a thread [`may_block_here`] marked (the server's blocking
    /// threads, where every request's store calls run) that is the thread
    /// itself; anywhere else, the store's workers.
    pub(crate) fn on_workers<R: Send>(&self, work: impl FnOnce() -> Result<R> + Send) -> Result<R> {
        if MAY_BLOCK.get() { work() } else { self.workers.install(work) }
    }
}

thread_local! {
    /// Whether this thread is one where a blocking client may run a runtime
    /// of its own, as [`may_block_here`] marks it.
    static MAY_BLOCK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `work` with this thread marked as one where the store may run its
/// blocking client in place, without handing each call to its workers: two
/// thread switches fewer per call, and no idle worker spinning beside the
/// database on a small machine.
///
/// Call it only on a thread that drives no async task: one of Tokio's
/// blocking threads (inside `spawn_blocking`) or a plain thread. On a
/// runtime's worker thread the client's runtime would panic.
pub(crate) fn may_block_here<R>(work: impl FnOnce() -> R) -> R {
    /// Puts the mark back as it was, even when `work` panics.
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            MAY_BLOCK.set(self.0);
        }
    }
    let _restore = Restore(MAY_BLOCK.replace(true));
    work()
}

impl Drop for PgServerStore {
    fn drop(&mut self) {
        // The writer first: it holds a handle on the pool.
        self.folds.close();
        // Closing a connection runs the client's runtime too.
        let pool = self.pool.take();
        self.workers.install(move || drop(pool));
    }
}

/// The TLS connector: rustls on the provider the server's HTTPS uses, which
/// always verifies the database's certificate chain and host name (libpq's
/// `verify-full`), against the CA certificates of the PEM file `ca`, or the
/// system's roots without one. A file that cannot be read or holds no
/// certificate is refused, naming it.
fn tls_trusting(ca: Option<&Path>) -> Result<Tls> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    match ca {
        Some(path) => {
            let certificates: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .and_then(|certificates| certificates.collect())
                .map_err(|error| {
                    ServerError::InvalidInput(format!(
                        "the database CA file {} cannot be read as PEM certificates: {error}",
                        path.display()
                    ))
                })?;
            if certificates.is_empty() {
                return Err(ServerError::InvalidInput(format!(
                    "the database CA file {} holds no certificate",
                    path.display()
                )));
            }
            for certificate in certificates {
                roots.add(certificate).map_err(|error| {
                    ServerError::InvalidInput(format!(
                        "the database CA file {} holds a certificate rustls refuses: {error}",
                        path.display()
                    ))
                })?;
            }
        }
        None => {
            // Roots the system holds but rustls cannot parse are left out, as browsers do.
            let (added, _) = roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
            if added == 0 {
                tracing::warn!(
                    "no system CA certificate was found: a TLS connection to the database needs --database-ca"
                );
            }
        }
    }
    let config =
        rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|error| ServerError::InvalidInput(format!("setting up TLS to the database: {error}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// The workers of one store: as many as its connections.
fn new_workers() -> Result<Arc<rayon::ThreadPool>> {
    let workers = rayon::ThreadPoolBuilder::new()
        .num_threads(POOL_SIZE as usize)
        .thread_name(|index| format!("polso-postgres-{index}"))
        .build()
        .map_err(|error| ServerError::BlockingTask(format!("starting the database workers: {error}")))?;
    Ok(Arc::new(workers))
}

/// `NotFound` for a missing `what` called `id`, as the SQLite store words it.
pub(crate) fn not_found(what: &str, id: &str) -> ServerError {
    ServerError::NotFound(format!("there is no {what} '{id}'"))
}

/// Locks the organisation's row for the rest of the transaction `client` is
/// in, so that replicas changing its settings or caps do so one at a time and
/// each check sees the other's change; `NotFound` when there is none.
pub(crate) fn lock_organisation(
    client: &mut impl postgres::GenericClient,
    organisation_id: &str,
) -> Result<()> {
    match client.query_opt("SELECT 1 FROM organisations WHERE id = $1 FOR UPDATE", &[&organisation_id])? {
        Some(_) => Ok(()),
        None => Err(not_found("organisation", organisation_id)),
    }
}

/// A count read from PostgreSQL (`BIGINT`) as the `u32` the store's types use.
pub(crate) fn count_u32(value: i64, what: &str) -> Result<u32> {
    u32::try_from(value).map_err(|_| ServerError::CorruptData(format!("{what} is {value}")))
}

/// The advisory-lock key of `organisation_id`'s publication, computed by
/// PostgreSQL from the id (the SQL fragment takes the id as `$1`).
macro_rules! publication_lock_key {
    () => {
        "hashtextextended('polso-publication:' || $1, 0)"
    };
}
const PUBLICATION_LOCK_KEY: &str = publication_lock_key!();

/// Takes the publication lock of the organisation `$1` shared, for the
/// length of the transaction: see [`share_publication_lock`].
pub(crate) const SHARE_PUBLICATION_LOCK_SQL: &str =
    concat!("SELECT pg_advisory_xact_lock_shared(", publication_lock_key!(), ")");

/// Takes the publication lock of `organisation_id` shared, for the length of
/// the transaction `client` is in: a fold waits while a publisher holds it.
pub(crate) fn share_publication_lock(
    client: &mut impl postgres::GenericClient,
    organisation_id: &str,
) -> Result<()> {
    client.execute(SHARE_PUBLICATION_LOCK_SQL, &[&organisation_id])?;
    Ok(())
}

/// The publication lock of an organisation, held on a pooled connection of its
/// own; released when dropped (and by PostgreSQL if the connection is lost).
struct HeldPublicationLock {
    client: Option<Client>,
    organisation_id: String,
    workers: Arc<rayon::ThreadPool>,
}

impl Drop for HeldPublicationLock {
    fn drop(&mut self) {
        let (client, organisation_id) = (self.client.take(), &self.organisation_id);
        self.workers.install(move || {
            if let Some(mut client) = client {
                let unlocked = client.execute(
                    &format!("SELECT pg_advisory_unlock({PUBLICATION_LOCK_KEY})"),
                    &[organisation_id],
                );
                if let Err(error) = unlocked {
                    // The connection is broken, and its session's locks went with it.
                    tracing::warn!(%error, "releasing a publication lock failed");
                }
            }
        });
    }
}

impl PgServerStore {
    /// See [`crate::store::ServerStore::lock_publication`].
    pub(crate) fn take_publication_lock(
        &self,
        organisation_id: &str,
        wait: Duration,
    ) -> Result<Option<crate::store::PublicationLock>> {
        self.on_workers(|| self.wait_for_publication_lock(organisation_id, wait))
    }

    fn wait_for_publication_lock(
        &self,
        organisation_id: &str,
        wait: Duration,
    ) -> Result<Option<crate::store::PublicationLock>> {
        let mut client = self.client()?;
        let deadline = std::time::Instant::now() + wait;
        loop {
            let taken: bool = client
                .query_one(
                    &format!("SELECT pg_try_advisory_lock({PUBLICATION_LOCK_KEY})"),
                    &[&organisation_id],
                )?
                .get(0);
            if taken {
                return Ok(Some(crate::store::PublicationLock::holding(Box::new(HeldPublicationLock {
                    client: Some(client),
                    organisation_id: organisation_id.to_owned(),
                    workers: self.workers.clone(),
                }))));
            }
            if std::time::Instant::now() >= deadline {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
