//! One address in front of several servers, as a load balancer in TCP pass-through mode puts it (the
//! hub tests and the fleet benchmark run several `cairn serve` processes behind it): each connection
//! goes, bytes both ways, to the next server in turn that accepts it.
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpStream};

/// How many connections each server port was given.
pub type Given = Arc<Mutex<HashMap<u16, usize>>>;

/// Passes the connections `listener` accepts to the servers on `ports` in turn, skipping one that
/// refuses; counts them in `given`. Runs until the listener fails.
pub async fn balance(listener: TcpListener, ports: Vec<u16>, given: Given) {
    let mut next = 0usize;
    loop {
        let Ok((mut inbound, _)) = listener.accept().await else {
            return;
        };
        let mut upstream = None;
        for _ in 0..ports.len() {
            let port = ports[next % ports.len()];
            next += 1;
            if let Ok(s) = TcpStream::connect(("127.0.0.1", port)).await {
                if let Ok(mut counts) = given.lock() {
                    *counts.entry(port).or_default() += 1;
                }
                upstream = Some(s);
                break;
            }
        }
        let Some(mut upstream) = upstream else {
            continue;
        };
        tokio::spawn(async move {
            let _ = tokio::io::copy_bidirectional(&mut inbound, &mut upstream).await;
        });
    }
}
