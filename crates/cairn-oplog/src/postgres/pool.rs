//! Connections to PostgreSQL for a synchronous caller. The driver (`tokio-postgres`) is async: its
//! connections are driven by a runtime of the store's own (one thread), and a caller (a plain thread
//! or a task of the server's runtime, as with SQLite) waits for each statement's answer. Connections
//! are pooled, each with its prepared statements, and a broken one is dropped and replaced.
use super::tls::Connector;
use crate::error::{OplogError, Result};
use futures::executor::block_on;
use parking_lot::{Condvar, Mutex};
use rusqlite::types::Value;
use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::time::Duration;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Config, Row, Statement};

/// How long a caller waits for a free connection before it is told the pool is exhausted.
const CHECKOUT_TIMEOUT: Duration = Duration::from_secs(30);

/// One connection and the statements prepared on it.
pub(crate) struct PgConn {
    client: Client,
    statements: HashMap<String, Statement>,
}

/// A parameter as the driver takes it.
pub(crate) type Param = Box<dyn ToSql + Sync + Send>;

/// The driver's form of the parameters a [`crate::Selector`] builds.
pub(crate) fn params_of(values: &[Value]) -> Vec<Param> {
    values
        .iter()
        .map(|v| -> Param {
            match v {
                Value::Null => Box::new(None::<i64>),
                Value::Integer(i) => Box::new(*i),
                Value::Real(f) => Box::new(*f),
                Value::Text(t) => Box::new(t.clone()),
                Value::Blob(b) => Box::new(b.clone()),
            }
        })
        .collect()
}

/// SQL written with SQLite's placeholders (`?` in order, or `?N`) with PostgreSQL's (`$N`).
pub(crate) fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut next = 0;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '?' {
            out.push(c);
            continue;
        }
        out.push('$');
        if chars.peek().is_some_and(char::is_ascii_digit) {
            while let Some(d) = chars.next_if(char::is_ascii_digit) {
                out.push(d);
            }
        } else {
            next += 1;
            out.push_str(&next.to_string());
        }
    }
    out
}

impl PgConn {
    fn statement(&mut self, sql: &str) -> Result<Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let statement = block_on(self.client.prepare(&numbered(sql)))?;
        self.statements.insert(sql.to_string(), statement.clone());
        Ok(statement)
    }

    /// The rows of one statement (SQLite placeholders are accepted).
    pub(crate) fn query(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        let statement = self.statement(sql)?;
        Ok(block_on(self.client.query(&statement, params))?)
    }

    /// The rows of one statement with boxed parameters.
    pub(crate) fn query_boxed(&mut self, sql: &str, params: &[Param]) -> Result<Vec<Row>> {
        let refs: Vec<&(dyn ToSql + Sync)> = params
            .iter()
            .map(|p| p.as_ref() as &(dyn ToSql + Sync))
            .collect();
        self.query(sql, &refs)
    }

    /// The first row of one statement, if any.
    pub(crate) fn query_opt(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// Runs one statement; the number of rows it touched.
    pub(crate) fn execute(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        let statement = self.statement(sql)?;
        Ok(block_on(self.client.execute(&statement, params))?)
    }

    /// Runs statements in order in one round trip (pipelined on this connection); the rows each
    /// touched.
    pub(crate) fn execute_pipelined(
        &mut self,
        statements: &[(&str, Vec<Param>)],
    ) -> Result<Vec<u64>> {
        let prepared = statements
            .iter()
            .map(|(sql, _)| self.statement(sql))
            .collect::<Result<Vec<_>>>()?;
        let params: Vec<Vec<&(dyn ToSql + Sync)>> = statements
            .iter()
            .map(|(_, ps)| {
                ps.iter()
                    .map(|p| p.as_ref() as &(dyn ToSql + Sync))
                    .collect()
            })
            .collect();
        let client = &self.client;
        let all = prepared
            .iter()
            .zip(&params)
            .map(|(statement, ps)| client.execute(statement, ps));
        Ok(block_on(futures::future::try_join_all(all))?)
    }

    /// Runs statements without parameters (transaction control, schema).
    pub(crate) fn batch(&mut self, sql: &str) -> Result<()> {
        Ok(block_on(self.client.batch_execute(sql))?)
    }
}

/// The store's runtime and its pooled connections.
pub(crate) struct Pool {
    runtime: Option<tokio::runtime::Runtime>,
    config: Config,
    connector: Connector,
    idle: Mutex<Vec<PgConn>>,
    open: Mutex<usize>,
    freed: Condvar,
    max: usize,
}

impl Pool {
    /// A pool of at most `max` connections to the database `config` names.
    pub(crate) fn new(config: Config, max: usize) -> Result<Self> {
        let connector = Connector::for_config(&config)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("cairn-postgres")
            .enable_all()
            .build()
            .map_err(|e| OplogError::Database(format!("cannot start its runtime: {e}")))?;
        Ok(Self {
            runtime: Some(runtime),
            config,
            connector,
            idle: Mutex::new(Vec::new()),
            open: Mutex::new(0),
            freed: Condvar::new(),
            max,
        })
    }

    /// The runtime driving this pool's connections.
    pub(crate) fn handle(&self) -> Result<tokio::runtime::Handle> {
        self.runtime
            .as_ref()
            .map(|r| r.handle().clone())
            .ok_or_else(|| OplogError::Database("the store is closed".into()))
    }

    /// The database this pool connects to.
    pub(crate) fn config(&self) -> &Config {
        &self.config
    }

    /// How this pool's connections are made.
    pub(crate) fn connector(&self) -> &Connector {
        &self.connector
    }

    /// A new connection, driven by the pool's runtime.
    pub(crate) fn connect(&self) -> Result<Client> {
        let config = self.config.clone();
        let connector = self.connector.clone();
        let task = self
            .handle()?
            .spawn(async move { connector.open(&config).await });
        match block_on(task) {
            Ok(client) => Ok(client?),
            Err(e) => Err(OplogError::Database(format!("connecting failed: {e}"))),
        }
    }

    /// A connection for the caller's exclusive use, returned to the pool when dropped.
    pub(crate) fn get(&self) -> Result<Pooled<'_>> {
        if let Some(conn) = self.take_idle() {
            return Ok(Pooled {
                pool: self,
                conn: Some(conn),
            });
        }
        let mut open = self.open.lock();
        while *open >= self.max {
            if let Some(conn) = self.idle.lock().pop() {
                return Ok(Pooled {
                    pool: self,
                    conn: Some(conn),
                });
            }
            if self.freed.wait_for(&mut open, CHECKOUT_TIMEOUT).timed_out() {
                return Err(OplogError::Database(format!(
                    "all {} database connections stayed busy for {}s",
                    self.max,
                    CHECKOUT_TIMEOUT.as_secs()
                )));
            }
        }
        *open += 1;
        drop(open);
        match self.connect() {
            Ok(client) => Ok(Pooled {
                pool: self,
                conn: Some(PgConn {
                    client,
                    statements: HashMap::new(),
                }),
            }),
            Err(e) => {
                self.release(None);
                Err(e)
            }
        }
    }

    /// An idle connection that is still open; closed ones (the server restarted, the network
    /// dropped) are let go.
    fn take_idle(&self) -> Option<PgConn> {
        loop {
            let conn = self.idle.lock().pop()?;
            if !conn.client.is_closed() {
                return Some(conn);
            }
            *self.open.lock() -= 1;
            self.freed.notify_one();
        }
    }

    fn release(&self, conn: Option<PgConn>) {
        let mut open = self.open.lock();
        match conn {
            Some(c) if !c.client.is_closed() => self.idle.lock().push(c),
            _ => *open = open.saturating_sub(1),
        }
        self.freed.notify_one();
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.idle.lock().clear();
        if let Some(rt) = self.runtime.take() {
            // Never blocks: the store may be dropped on a thread of another runtime.
            rt.shutdown_background();
        }
    }
}

/// A connection checked out of the pool.
pub(crate) struct Pooled<'a> {
    pool: &'a Pool,
    conn: Option<PgConn>,
}

impl Deref for Pooled<'_> {
    type Target = PgConn;
    fn deref(&self) -> &PgConn {
        // Present until drop.
        self.conn.as_ref().unwrap_or_else(|| unreachable!())
    }
}

impl DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut PgConn {
        self.conn.as_mut().unwrap_or_else(|| unreachable!())
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        self.pool.release(self.conn.take());
    }
}

#[cfg(test)]
mod tests {
    use super::numbered;

    #[test]
    fn placeholders_are_numbered_in_order_or_kept_by_number() {
        assert_eq!(
            numbered("a = ? AND b IN (?, ?) LIMIT 3"),
            "a = $1 AND b IN ($2, $3) LIMIT 3"
        );
        assert_eq!(
            numbered("VALUES (?1, ?2, ?2, ?10)"),
            "VALUES ($1, $2, $2, $10)"
        );
    }
}
