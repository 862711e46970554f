//! The pool's connections, each with the statements it has prepared.
//!
//! A statement sent as text is parsed and planned by PostgreSQL every time;
//! on the report path (the device's token, its organisation, the fold) that
//! was most of the database's work. [`Connection::prepared`] prepares a
//! statement once per connection and hands back the same one afterwards.
//! Everything else still sends text: it runs rarely.

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::time::{Duration, Instant};

use r2d2::ManageConnection;
use r2d2_postgres::PostgresConnectionManager;

use super::Tls;

/// A pooled connection: the client, and the statements prepared on it by
/// their text.
pub(crate) struct Connection {
    client: postgres::Client,
    statements: HashMap<&'static str, postgres::Statement>,
    /// When the connection was last known alive: checked, or back in the pool unbroken.
    known_alive: Option<Instant>,
}

/// How long after going back to the pool unbroken a connection is handed out
/// again without a round trip to check it is alive: HikariCP's
/// `aliveBypassWindowMs`, at its default. Under load a connection comes back
/// within microseconds and the check cost a round trip per store call; an
/// idle one (after a database restart, say) is still checked.
const ALIVE_WITHOUT_CHECK: Duration = Duration::from_millis(500);

impl Connection {
    /// `sql` prepared on this connection, once.
    pub(crate) fn prepared(&mut self, sql: &'static str) -> Result<postgres::Statement, postgres::Error> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql)?;
        self.statements.insert(sql, statement.clone());
        Ok(statement)
    }

    /// The client itself, for the functions that take any
    /// [`postgres::GenericClient`].
    pub(crate) fn client(&mut self) -> &mut postgres::Client {
        &mut self.client
    }
}

impl Deref for Connection {
    type Target = postgres::Client;

    fn deref(&self) -> &postgres::Client {
        &self.client
    }
}

impl DerefMut for Connection {
    fn deref_mut(&mut self) -> &mut postgres::Client {
        &mut self.client
    }
}

/// r2d2's PostgreSQL manager, its connections wrapped in [`Connection`].
pub(crate) struct Manager(pub(crate) PostgresConnectionManager<Tls>);

impl std::fmt::Debug for Manager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The configuration holds the URL's password.
        f.debug_struct("Manager").finish_non_exhaustive()
    }
}

impl ManageConnection for Manager {
    type Connection = Connection;
    type Error = postgres::Error;

    fn connect(&self) -> Result<Connection, postgres::Error> {
        Ok(Connection { client: self.0.connect()?, statements: HashMap::new(), known_alive: None })
    }

    fn is_valid(&self, connection: &mut Connection) -> Result<(), postgres::Error> {
        if connection.known_alive.is_some_and(|alive| alive.elapsed() < ALIVE_WITHOUT_CHECK) {
            return Ok(());
        }
        self.0.is_valid(&mut connection.client)?;
        connection.known_alive = Some(Instant::now());
        Ok(())
    }

    /// Called as the connection goes back to the pool.
    fn has_broken(&self, connection: &mut Connection) -> bool {
        let broken = self.0.has_broken(&mut connection.client);
        connection.known_alive = (!broken).then(Instant::now);
        broken
    }
}
