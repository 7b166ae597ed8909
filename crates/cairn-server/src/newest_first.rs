//! Walking the operations a selector matches newest first, a page at a time, until the caller has
//! seen enough (or a bound is reached): the dashboards' reads, which cost what they use, never the
//! whole history.
use crate::errors;
use cairn_oplog::{OpLog, Order, Query, Selector};
use cairn_proto::v1::Operation;
use connectrpc::ConnectError;
use std::ops::ControlFlow;

/// Operations read per page.
const PAGE: u32 = 500;
/// Upper bound on operations read by one walk (a backup every minute for 30 days is 43,200).
const MAX_READ: usize = 50_000;

/// Calls `visit` with each operation `selector` matches, newest first, until it breaks or
/// [`MAX_READ`] have been read.
pub fn walk(
    oplog: &OpLog,
    selector: &Selector,
    mut visit: impl FnMut(&Operation) -> ControlFlow<()>,
) -> Result<(), ConnectError> {
    let mut cursor = None;
    let mut read = 0;
    loop {
        let page = oplog
            .query(&Query {
                selector: selector.clone(),
                order: Order::Descending,
                limit: Some(PAGE),
                cursor,
            })
            .map_err(errors::oplog)?;
        let Some(last) = page.last() else {
            return Ok(());
        };
        cursor = Some(last.id);
        for op in &page {
            read += 1;
            if read > MAX_READ || visit(op).is_break() {
                return Ok(());
            }
        }
    }
}
