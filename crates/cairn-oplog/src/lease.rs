//! Leases: work that must run in one process at a time among all those sharing a log (the scheduler,
//! history GC, hub-side upkeep). On PostgreSQL a lease is a session advisory lock held on a connection
//! of its own, so it ends the moment its holder lets go, exits or is killed (the database sees the
//! connection close; TCP keepalives end a vanished host's). On SQLite only one process can open the
//! log at all, so a lease is granted once per name within the process.
use crate::error::Result;
use crate::oplog::OpLog;
use parking_lot::Mutex;
use std::collections::HashSet;
use std::sync::Arc;

/// A held lease; dropping it lets another holder take it.
pub struct Lease {
    name: String,
    hold: Hold,
}

pub(crate) enum Hold {
    /// Held within this process (SQLite): the set of names held, to give back on drop.
    Local(Arc<Mutex<HashSet<String>>>),
    /// Held by a database session: the connection that holds it.
    Session(tokio_postgres::Client),
}

impl Lease {
    pub(crate) fn new(name: &str, hold: Hold) -> Self {
        Self {
            name: name.to_string(),
            hold,
        }
    }

    /// The lease's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// False once the lease is lost (its database connection ended): the work it guards must stop.
    pub fn is_held(&self) -> bool {
        match &self.hold {
            Hold::Local(_) => true,
            Hold::Session(client) => !client.is_closed(),
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        // A session's lock ends with its connection, which the client's drop closes.
        if let Hold::Local(held) = &self.hold {
            held.lock().remove(&self.name);
        }
    }
}

impl std::fmt::Debug for Lease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lease").field("name", &self.name).finish()
    }
}

impl OpLog {
    /// Takes the lease `name` when no one (in any process sharing this log) holds it; None when
    /// someone does.
    pub fn try_lease(&self, name: &str) -> Result<Option<Lease>> {
        self.store().try_lease(name)
    }
}
