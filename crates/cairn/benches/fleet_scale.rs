//! Fleet scale (issue 16): one real `cairn serve` hub and N simulated clients, each a task with its
//! own identity and HPKE session speaking the real v1sync protocol over loopback HTTP/2, each holding
//! M operations. Measures the time until the hub has stored all N×M, then, with every client still
//! connected and each changing one operation a second, the latency from a client's change to the
//! hub's WatchOperations stream (p50/p99), and the hub's peak RSS and CPU time in each phase.
//!
//! `cargo bench -p cairn --bench fleet_scale -- [--clients 200] [--ops 5000] [--steady 30] [--postgres]
//! [--hubs 3]`
//!
//! With `--postgres` the hub keeps its history in PostgreSQL (a throwaway server from Debian's
//! binaries, as the tests start); its CPU figures are then the hub's alone, the database's not counted.
//! With `--hubs N` (and `--postgres`) the hub is N `cairn serve` processes on the one database behind
//! one address (a TCP balancer, round robin); CPU and RSS are then the processes' sums, and latency is
//! measured on the first process's stream (a change stored by another reaches it through the
//! database's notices).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark code: a failed unwrap is a failed run"
)]
use cairn_fleet::{Me, SecureLink, dial, initiate};
use cairn_proto::cairn::v1::{CairnClient, WatchOperationsRequest};
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::__buffa::oneof::operation_event::Event;
use cairn_proto::v1::{Operation, OperationEvent, OperationList, OperationStatus};
use cairn_proto::v1sync::__buffa::oneof::sync_stream_item::Action;
use cairn_proto::v1sync::sync_stream_item::{
    SyncActionOperationManifest, SyncActionReceiveOperations,
};
use connectrpc::client::{ClientConfig, HttpClient};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Settings from the command line.
struct Args {
    clients: usize,
    ops: i64,
    steady: u64,
    postgres: bool,
    hubs: usize,
}

fn args() -> Args {
    let mut a = Args {
        clients: 200,
        ops: 5000,
        steady: 30,
        postgres: false,
        hubs: 1,
    };
    let all: Vec<String> = std::env::args().collect();
    a.postgres = all.iter().any(|w| w == "--postgres");
    for w in all.windows(2) {
        match w[0].as_str() {
            "--clients" => a.clients = w[1].parse().unwrap(),
            "--ops" => a.ops = w[1].parse().unwrap(),
            "--steady" => a.steady = w[1].parse().unwrap(),
            "--hubs" => a.hubs = w[1].parse().unwrap(),
            _ => {}
        }
    }
    a
}

const BENCH_MARK: &str = "bench-t=";

fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

/// Client `c`'s operation `id` at `modno`; a change after convergence carries its send time.
fn operation(c: usize, id: i64, modno: i64, stamp: Option<i64>) -> Operation {
    Operation {
        id,
        modno,
        flow_id: id,
        repo_id: "nas".into(),
        repo_guid: "ab".repeat(32),
        plan_id: format!("plan-{}", id % 4),
        instance_id: format!("client-{c}"),
        status: OperationStatus::STATUS_SUCCESS.into(),
        unix_time_start_ms: 1_780_000_000_000 + id * 60_000,
        unix_time_end_ms: 1_780_000_000_000 + id * 60_000 + 42_000,
        display_message: stamp
            .map(|t| format!("{BENCH_MARK}{t}"))
            .unwrap_or_default(),
        op: Some(Op::OperationBackup(Box::default())),
        ..Operation::default()
    }
}

fn updated(ops: Vec<Operation>) -> Action {
    Action::ReceiveOperations(Box::new(SyncActionReceiveOperations {
        event: OperationEvent {
            event: Some(Event::UpdatedOperations(Box::new(OperationList {
                operations: ops,
                ..OperationList::default()
            }))),
            ..OperationEvent::default()
        }
        .into(),
        ..SyncActionReceiveOperations::default()
    }))
}

/// One simulated client: connects, sends its manifest, answers the hub's requests, and once `live`
/// is set changes one operation a second.
async fn client(c: usize, me: Me, url: String, ops: i64, live: Arc<AtomicBool>) {
    let link = dial(&url).await.unwrap();
    let (mut link, _hub): (SecureLink, _) = initiate(link, &me, "").await.unwrap();
    link.send(Action::OperationManifest(Box::new(
        SyncActionOperationManifest {
            op_ids: (1..=ops).collect(),
            modnos: (1..=ops).collect(),
            ..SyncActionOperationManifest::default()
        },
    )))
    .await
    .unwrap();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.reset_after(Duration::from_millis((c as u64 * 37) % 1000));
    let mut modno = ops;
    loop {
        tokio::select! {
            action = link.recv() => match action {
                Ok(Action::RequestOperationData(r)) => {
                    for chunk in r.op_ids.chunks(512) {
                        let batch = chunk.iter().map(|id| operation(c, *id, *id, None)).collect();
                        link.send(updated(batch)).await.unwrap();
                    }
                }
                Ok(_) => {}
                Err(e) => panic!("client {c}: {e}"),
            },
            _ = tick.tick() => {
                if !live.load(Ordering::Relaxed) {
                    continue;
                }
                modno += 1;
                let id = 1 + modno % ops;
                link.send(updated(vec![operation(c, id, modno, Some(now_micros()))])).await.unwrap();
            }
        }
    }
}

/// The hub's CPU time so far (user + system) and its peak and current RSS in MiB.
fn hub_usage(pid: u32) -> (Duration, u64, u64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks: u64 = fields.get(11).and_then(|v| v.parse().ok()).unwrap_or(0)
        + fields.get(12).and_then(|v| v.parse().ok()).unwrap_or(0);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (
        Duration::from_millis(ticks * 10),
        kib("VmHWM:") / 1024,
        kib("VmRSS:") / 1024,
    )
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn healthy(port: u16) -> bool {
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    text.starts_with("HTTP/1.1 200")
}

/// Writes the hub's config (every client authorised) in `dir`.
fn write_hub_config(dir: &Path, ids: &[Me]) {
    let clients: Vec<serde_json::Value> = ids
        .iter()
        .map(|m| serde_json::json!({"instanceId": m.instance_id, "keyId": m.identity.keyid}))
        .collect();
    let config = serde_json::json!({"version": 6, "instance": "hub", "auth": {"disabled": true},
        "sync": {"authorizedClients": clients}});
    std::fs::write(dir.join("config.json"), config.to_string()).unwrap();
}

/// Starts a hub process with its config and data in `dir`.
fn start_hub(dir: &Path, port: u16, database: Option<&str>) -> Child {
    let mut hub = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .arg("--config")
        .arg(dir.join("config.json"))
        .arg("--data-dir")
        .arg(dir.join("data"))
        .env("RUST_LOG", "warn")
        .envs(database.map(|url| ("CAIRN_DATABASE_URL", url)))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !healthy(port) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the hub did not start"
        );
        assert!(hub.try_wait().unwrap().is_none(), "the hub exited");
        std::thread::sleep(Duration::from_millis(50));
    }
    hub
}

/// Starts `count` hub processes (the first stores the config; the others, on the same database,
/// get its secrets key): each process and its port.
fn start_hubs(dir: &Path, ids: &[Me], count: usize, database: Option<&str>) -> Vec<(Child, u16)> {
    write_hub_config(dir, ids);
    let first_port = free_port();
    let mut hubs = vec![(start_hub(dir, first_port, database), first_port)];
    for h in 1..count {
        let home = dir.join(format!("hub{h}"));
        std::fs::create_dir_all(home.join("data")).unwrap();
        std::fs::copy(dir.join("data/secrets.key"), home.join("data/secrets.key")).unwrap();
        let port = free_port();
        hubs.push((start_hub(&home, port, database), port));
    }
    hubs
}

/// The hubs' CPU time, peak RSS and RSS, summed.
fn hubs_usage(hubs: &[(Child, u16)]) -> (Duration, u64, u64) {
    hubs.iter()
        .map(|(c, _)| hub_usage(c.id()))
        .fold((Duration::ZERO, 0, 0), |(c, p, r), (c2, p2, r2)| {
            (c + c2, p + p2, r + r2)
        })
}

/// How many operations of its clients the hub holds.
fn synced_count(db: &Path, database: Option<&cairn_oplog::OpLog>) -> i64 {
    if let Some(log) = database {
        let all = log.count(&cairn_oplog::Selector::all()).unwrap_or(0);
        let own = log
            .count(&cairn_oplog::Selector {
                original_instance_keyid: Some(String::new()),
                ..Default::default()
            })
            .unwrap_or(0);
        return (all - own) as i64;
    }
    let Ok(conn) =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return 0;
    };
    conn.query_row(
        "SELECT COUNT(*) FROM operations WHERE original_instance_keyid != ''",
        [],
        |r| r.get(0),
    )
    .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Follows the hub's WatchOperations stream for `secs` seconds: the latency of each stamped change.
async fn watch_latencies(port: u16, secs: u64) -> Vec<Duration> {
    let uri = format!("http://127.0.0.1:{port}").parse().unwrap();
    let api = CairnClient::new(HttpClient::plaintext(), ClientConfig::new(uri));
    let mut stream = api
        .watch_operations(WatchOperationsRequest::default())
        .await
        .unwrap();
    let mut out = Vec::new();
    let end = tokio::time::Instant::now() + Duration::from_secs(secs);
    while let Ok(Ok(Some(msg))) = tokio::time::timeout_at(end, stream.message()).await {
        let now = now_micros();
        for op in &msg.to_owned_message().upserted {
            if let Some(t) = op.display_message.strip_prefix(BENCH_MARK)
                && let Ok(t) = t.parse::<i64>()
            {
                out.push(Duration::from_micros((now - t).max(0) as u64));
            }
        }
    }
    out
}

fn main() {
    let a = args();
    let dir = tempfile::TempDir::new().unwrap();
    let ids: Vec<Me> = (0..a.clients)
        .map(|i| Me {
            instance_id: format!("client-{i}"),
            identity: cairn_config::identity::generate().unwrap(),
        })
        .collect();
    assert!(
        a.hubs == 1 || a.postgres,
        "--hubs shares one database between the hub's processes: add --postgres"
    );
    let server = a
        .postgres
        .then(cairn_oplog::pg_test_server::TestPostgres::start);
    let url = server.as_ref().map(|s| s.fresh_database());
    let mut hubs = start_hubs(dir.path(), &ids, a.hubs, url.as_deref());
    let port = hubs[0].1;
    let database = url
        .as_deref()
        .map(|u| cairn_oplog::OpLog::connect(u).unwrap());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let live = Arc::new(AtomicBool::new(false));
    let url = if a.hubs == 1 {
        format!("http://127.0.0.1:{port}")
    } else {
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let ports = hubs.iter().map(|(_, p)| *p).collect();
        runtime.spawn(cairn_conformance::balancer::balance(
            listener,
            ports,
            Arc::default(),
        ));
        address
    };
    let (cpu0, _, _) = hubs_usage(&hubs);
    let started = Instant::now();
    for (c, me) in ids.into_iter().enumerate() {
        runtime.spawn(client(c, me, url.clone(), a.ops, live.clone()));
    }
    let total = a.clients as i64 * a.ops;
    let db = dir.path().join("data/oplog.sqlite");
    loop {
        let n = synced_count(&db, database.as_ref());
        if n >= total {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1800),
            "no convergence: {n} of {total}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    let converged = started.elapsed();
    let (cpu1, peak1, rss1) = hubs_usage(&hubs);
    live.store(true, Ordering::Relaxed);
    let mut latencies = runtime.block_on(watch_latencies(port, a.steady));
    let (cpu2, peak2, rss2) = hubs_usage(&hubs);
    latencies.sort();
    println!(
        "fleet_scale: {} clients x {} operations = {total} on the hub ({} process{})",
        a.clients,
        a.ops,
        a.hubs,
        if a.hubs == 1 { "" } else { "es" }
    );
    println!(
        "  initial convergence: {:.1} s ({:.0} operations/s); hub CPU {:.1} s, RSS {rss1} MiB (peak {peak1} MiB)",
        converged.as_secs_f64(),
        total as f64 / converged.as_secs_f64(),
        (cpu1 - cpu0).as_secs_f64()
    );
    println!(
        "  steady state, {} s, {} changes: latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; hub CPU {:.1} s ({:.0}% of one core), RSS {rss2} MiB (peak {peak2} MiB)",
        a.steady,
        latencies.len(),
        percentile(&latencies, 0.5).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
        (cpu2 - cpu1).as_secs_f64(),
        (cpu2 - cpu1).as_secs_f64() * 100.0 / a.steady as f64
    );
    runtime.shutdown_background();
    for (hub, _) in &mut hubs {
        let _ = hub.kill();
        let _ = hub.wait();
    }
}
