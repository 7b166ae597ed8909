//! On a database several hub servers share, a client's session lives on one of them, but a person may
//! ask any of them to edit the client's config, run a task there or read one of its logs. The server
//! asked, not holding the session, relays the request through the database: it stores it under
//! `relay:<client key id>:<request id>`; every server hears of it, and the one holding the session
//! takes it (removing it, so it is carried out once), carries it out over the session and stores the
//! answer under `relay-answer:<request id>:<sequence>` (one for a task or an edit; a log read's
//! chunks, in order, then its end). The asking server reads each answer as its notice arrives and
//! removes it. A request nobody takes (the client is connected nowhere) times out and is removed.
use crate::Fleet;
use crate::control::ANSWER_TIMEOUT;
use crate::error::SessionError;
use buffa::Message as _;
use cairn_oplog::{ANY_KEY, OpLog};
use cairn_proto::v1sync::__buffa::oneof::sync_stream_item::Action;
use cairn_proto::v1sync::SyncStreamItem;
use cairn_proto::v1sync::sync_stream_item::SyncActionRunTask;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::mpsc;

const REQUEST_PREFIX: &str = "relay:";
const ANSWER_PREFIX: &str = "relay-answer:";
/// How long an answer may take beyond what the session itself allows.
const SLACK: Duration = Duration::from_secs(5);
/// How long a log read may wait for its next chunk.
const LOG_IDLE: Duration = Duration::from_secs(120);

/// A request for the server that holds a client's session.
#[derive(Debug, Serialize, Deserialize)]
enum Request {
    /// Send this action (an encoded `SyncStreamItem`) to the client.
    Send(Vec<u8>),
    /// Have the client run this task (an encoded `SyncActionRunTask`).
    RunTask(Vec<u8>),
    /// Read this log of the client.
    ReadLog(String),
}

/// One answer to a relayed request.
#[derive(Debug, Serialize, Deserialize)]
enum Answer {
    /// The action was sent.
    Sent,
    /// The client started the task as this operation.
    Started(i64),
    /// A chunk of the log.
    Chunk(Vec<u8>),
    /// The log read ended.
    End,
    /// The request failed: the error's kind and message.
    Failed(Kind, String),
}

/// The kinds of [`SessionError`] a relayed request keeps (the others become `Internal`).
#[derive(Debug, Serialize, Deserialize)]
enum Kind {
    Refused,
    Closed,
    Timeout(u64),
    Internal,
}

impl From<&SessionError> for Answer {
    fn from(e: &SessionError) -> Self {
        let kind = match e {
            SessionError::Refused(_) => Kind::Refused,
            SessionError::Closed(_) => Kind::Closed,
            SessionError::Timeout(s) => Kind::Timeout(*s),
            _ => Kind::Internal,
        };
        let message = match e {
            SessionError::Refused(m) | SessionError::Closed(m) => m.clone(),
            other => other.to_string(),
        };
        Answer::Failed(kind, message)
    }
}

fn error(kind: Kind, message: String) -> SessionError {
    match kind {
        Kind::Refused => SessionError::Refused(message),
        Kind::Closed => SessionError::Closed(message),
        Kind::Timeout(s) => SessionError::Timeout(s),
        Kind::Internal => SessionError::Internal(message),
    }
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, SessionError> {
    serde_json::to_vec(value).map_err(|e| SessionError::Internal(format!("cannot encode: {e}")))
}

/// Sends `action` to client `keyid` through the server holding its session.
pub(crate) async fn send(fleet: &Fleet, keyid: &str, action: Action) -> Result<(), SessionError> {
    let item = SyncStreamItem {
        action: Some(action),
        ..SyncStreamItem::default()
    };
    let mut asked = Asked::new(fleet, keyid, &Request::Send(item.encode_to_vec()))?;
    match asked.next(ANSWER_TIMEOUT + SLACK).await? {
        Answer::Sent => Ok(()),
        other => Err(unexpected(other)),
    }
}

/// Has client `keyid` run `task` through the server holding its session; the client's operation id.
pub(crate) async fn run_task(
    fleet: &Fleet,
    keyid: &str,
    task: &SyncActionRunTask,
) -> Result<i64, SessionError> {
    let mut asked = Asked::new(fleet, keyid, &Request::RunTask(task.encode_to_vec()))?;
    match asked.next(ANSWER_TIMEOUT + SLACK).await? {
        Answer::Started(id) => Ok(id),
        other => Err(unexpected(other)),
    }
}

/// Reads log `log_id` of client `keyid` through the server holding its session.
pub(crate) fn read_log(
    fleet: &Fleet,
    keyid: &str,
    log_id: &str,
) -> Result<crate::remote_logs::LogChunks, SessionError> {
    let mut asked = Asked::new(fleet, keyid, &Request::ReadLog(log_id.to_string()))?;
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(async move {
        let mut first = true;
        loop {
            let wait = if first {
                ANSWER_TIMEOUT + SLACK
            } else {
                LOG_IDLE
            };
            first = false;
            let item = match asked.next(wait).await {
                Ok(Answer::Chunk(c)) => Ok(c),
                Ok(Answer::End) => return,
                Ok(other) => Err(unexpected(other)),
                Err(e) => Err(e),
            };
            let failed = item.is_err();
            if tx.send(item).await.is_err() || failed {
                return;
            }
        }
    });
    Ok(rx)
}

fn unexpected(answer: Answer) -> SessionError {
    match answer {
        Answer::Failed(kind, message) => error(kind, message),
        other => SessionError::Internal(format!(
            "unexpected answer from the hub's other server: {other:?}"
        )),
    }
}

/// A request stored for the server holding the session, and the answers read back in order.
struct Asked {
    log: OpLog,
    request_key: String,
    answers: String,
    next_seq: u64,
    notices: broadcast::Receiver<String>,
}

impl Asked {
    fn new(fleet: &Fleet, keyid: &str, request: &Request) -> Result<Self, SessionError> {
        let log = fleet.inner.orch.oplog().clone();
        let id = format!("{:016x}", rand::random::<u64>());
        // Listening first, so no answer's notice is missed.
        let notices = log.kv_changes();
        let request_key = format!("{REQUEST_PREFIX}{keyid}:{id}");
        log.kv_put(&request_key, &encode(request)?)?;
        Ok(Self {
            log,
            request_key,
            answers: format!("{ANSWER_PREFIX}{id}:"),
            next_seq: 0,
            notices,
        })
    }

    /// The next answer, waiting up to `wait` for it.
    async fn next(&mut self, wait: Duration) -> Result<Answer, SessionError> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let key = format!("{}{:010}", self.answers, self.next_seq);
            if let Some(value) = self.log.kv_get(&key)? {
                self.log.kv_delete(&key)?;
                self.next_seq += 1;
                return serde_json::from_slice(&value)
                    .map_err(|e| SessionError::Internal(format!("an unreadable answer: {e}")));
            }
            match tokio::time::timeout_at(deadline, self.answer_notice()).await {
                Err(_) => {
                    return Err(SessionError::Closed(format!(
                        "no server of this hub answered within {} seconds: the client is not connected to any now",
                        wait.as_secs()
                    )));
                }
                Ok(false) => {
                    return Err(SessionError::Closed("the hub is shutting down".into()));
                }
                Ok(true) => {}
            }
        }
    }

    /// Waits for a notice that may concern this request's answers; false once notices end.
    async fn answer_notice(&mut self) -> bool {
        loop {
            match self.notices.recv().await {
                Ok(k) if k.starts_with(&self.answers) || k == ANY_KEY => return true,
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => return true,
                Err(RecvError::Closed) => return false,
            }
        }
    }
}

impl Drop for Asked {
    fn drop(&mut self) {
        // A request nobody took, and answers nobody will read.
        let _ = self.log.kv_delete(&self.request_key);
        if let Ok(rest) = self.log.kv_scan(&self.answers) {
            for (key, _) in rest {
                let _ = self.log.kv_delete(&key);
            }
        }
    }
}

/// Takes the requests for clients whose sessions this server holds, until shutdown.
pub(crate) async fn serve(fleet: Fleet) {
    let log = fleet.inner.orch.oplog().clone();
    let mut notices = log.kv_changes();
    let shutdown = fleet.inner.orch.shutting_down();
    loop {
        let key = tokio::select! {
            key = notices.recv() => key,
            () = shutdown.cancelled() => return,
        };
        let keyid = match &key {
            Ok(k) if k == ANY_KEY => None,
            Ok(k) => match k.strip_prefix(REQUEST_PREFIX) {
                Some(rest) => rest.split_once(':').map(|(keyid, _)| keyid.to_string()),
                None => continue,
            },
            Err(RecvError::Lagged(_)) => None,
            Err(RecvError::Closed) => return,
        };
        take(&fleet, &log, keyid.as_deref());
    }
}

/// Takes the stored requests for `only` (or every client) whose sessions this server holds.
fn take(fleet: &Fleet, log: &OpLog, only: Option<&str>) {
    let prefix = match only {
        Some(keyid) => format!("{REQUEST_PREFIX}{keyid}:"),
        None => REQUEST_PREFIX.to_string(),
    };
    let Ok(requests) = log.kv_scan(&prefix) else {
        return;
    };
    for (key, value) in requests {
        let Some((keyid, id)) = key[REQUEST_PREFIX.len()..].split_once(':') else {
            continue;
        };
        if !fleet.inner.sessions.lock().contains_key(keyid)
            || !matches!(log.kv_delete(&key), Ok(true))
        {
            continue;
        }
        let Ok(request) = serde_json::from_slice::<Request>(&value) else {
            tracing::warn!(%key, "an unreadable relayed request; dropped");
            continue;
        };
        let answers = Answers {
            log: log.clone(),
            prefix: format!("{ANSWER_PREFIX}{id}:"),
            seq: 0,
        };
        tokio::spawn(carry_out(
            fleet.clone(),
            keyid.to_string(),
            request,
            answers,
        ));
    }
}

/// Where a request's answers go, in order.
struct Answers {
    log: OpLog,
    prefix: String,
    seq: u64,
}

impl Answers {
    fn put(&mut self, answer: &Answer) -> bool {
        let key = format!("{}{:010}", self.prefix, self.seq);
        self.seq += 1;
        match encode(answer).map(|v| self.log.kv_put(&key, &v)) {
            Ok(Ok(())) => true,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "cannot store the answer to a relayed request");
                false
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot encode the answer to a relayed request");
                false
            }
        }
    }
}

async fn carry_out(fleet: Fleet, keyid: String, request: Request, mut answers: Answers) {
    let answer = match request {
        Request::Send(item) => match SyncStreamItem::decode_from_slice(&item) {
            Ok(SyncStreamItem {
                action: Some(action),
                ..
            }) => fleet.send_here(&keyid, action).await.map(|()| Answer::Sent),
            _ => Err(SessionError::Internal(
                "an unreadable relayed action".into(),
            )),
        },
        Request::RunTask(task) => match SyncActionRunTask::decode_from_slice(&task) {
            Ok(task) => fleet.run_here(&keyid, task).await.map(Answer::Started),
            Err(e) => Err(SessionError::Internal(format!(
                "an unreadable relayed task: {e}"
            ))),
        },
        Request::ReadLog(log_id) => match fleet.read_log_here(&keyid, &log_id).await {
            Ok(mut chunks) => {
                while let Some(chunk) = chunks.recv().await {
                    let (answer, last) = match chunk {
                        Ok(c) => (Answer::Chunk(c), false),
                        Err(e) => (Answer::from(&e), true),
                    };
                    if !answers.put(&answer) || last {
                        return;
                    }
                }
                Ok(Answer::End)
            }
            Err(e) => Err(e),
        },
    };
    let answer = answer.unwrap_or_else(|e| Answer::from(&e));
    answers.put(&answer);
}
