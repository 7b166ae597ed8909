//! `cairn status`: the server's version, instance, running tasks and queue.
use super::format::time;
use super::{Connection, Exit};
use buffa_types::google::protobuf::Empty;

pub async fn run(conn: &Connection) -> anyhow::Result<Exit> {
    let s = conn
        .cairn()?
        .get_status(Empty::default())
        .await?
        .into_owned();
    println!(
        "cairn {} at {} (instance {})",
        s.version, conn.server, s.instance
    );
    println!("config {}  data {}", s.config_path, s.data_path);
    println!(
        "{} task(s) running, {} queued, operation log at modno {}",
        s.running,
        s.queue.len(),
        s.modno
    );
    for q in &s.queue {
        let what = if q.plan_id.is_empty() {
            &q.repo_id
        } else {
            &q.plan_id
        };
        println!(
            "  {}  {:<16} {:<16} op {}",
            time(q.run_at_ms),
            q.r#type,
            what,
            q.operation_id
        );
    }
    Ok(Exit::Ok)
}
