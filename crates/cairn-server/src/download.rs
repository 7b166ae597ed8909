//! Downloads. GetDownloadURL signs a URL (`./download/<token>/<name>`) naming an operation and a path;
//! the token is an HS256 JWT under a key made at each start, valid 24 hours, and is the download's only
//! credential, as in Backrest (a browser follows the link without headers). A restore operation's URL
//! streams files from its restore target; an indexed snapshot's streams a path of the snapshot through
//! the engine. A file of a snapshot downloads as itself, as in Backrest (and as `restic dump` gives a
//! file whatever archive format is asked for); a directory of a snapshot, and a restore's files (as
//! Backrest gives them), as tar.gz (default) or zip (`?format=zip` or a `.zip` name).
use crate::archive::{self, Format};
use crate::signer::Signer;
use crate::state::{ServerError, Shared, random_bytes};
use axum::body::Body;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use cairn_orchestrator::{ArchiveFormat, restore_destination};
use cairn_proto::v1::__buffa::oneof::operation::Op;
use cairn_proto::v1::Operation;
use connectrpc::ConnectError;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::io::DuplexStream;
use tokio_util::io::{ReaderStream, SyncIoBridge};

const TTL_SECONDS: i64 = 24 * 3600;
/// Bytes buffered between the archive writer and the HTTP body.
const PIPE: usize = 256 * 1024;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    op: i64,
    path: String,
    exp: i64,
}

pub struct DownloadKeys(Signer);

impl DownloadKeys {
    pub fn generate() -> Result<Self, ServerError> {
        Ok(Self(Signer::new(&random_bytes::<32>()?)))
    }

    fn sign(&self, op: i64, path: &str, now: i64) -> String {
        self.0.sign(&Claims {
            op,
            path: path.to_string(),
            exp: now + TTL_SECONDS,
        })
    }

    fn verify(&self, token: &str) -> Option<Claims> {
        self.0.verify(token, &["exp"]).ok()
    }
}

/// What a download of an operation reads.
enum Source {
    /// Files on this machine (a restore's target), already confined to it.
    Local(PathBuf),
    /// A path inside a snapshot.
    Snapshot(SnapshotPath),
}

#[derive(Clone)]
struct SnapshotPath {
    repo_id: String,
    snapshot_id: String,
    path: String,
}

/// The signed relative URL for GetDownloadURL: named as the file, or as its archive.
pub async fn url_for(s: &Shared, op: &Operation, file_path: &str) -> Result<String, ConnectError> {
    let src = source(op, file_path)?;
    let name = archive_name(op, &src);
    let token = s
        .downloads
        .sign(op.id, file_path, chrono::Utc::now().timestamp());
    if plain_file_of(s, &src).await.is_some() {
        return Ok(format!("./download/{token}/{name}"));
    }
    Ok(format!("./download/{token}/{name}.tar.gz"))
}

/// The snapshot path of a download that is one regular file of a snapshot, which downloads as itself;
/// None for a snapshot directory and for a restore's files (always archived, as Backrest does).
async fn plain_file_of<'a>(s: &Shared, src: &'a Source) -> Option<&'a SnapshotPath> {
    let Source::Snapshot(p) = src else {
        return None;
    };
    s.orch
        .is_snapshot_file(&p.repo_id, &p.snapshot_id, &p.path)
        .await
        .unwrap_or(false)
        .then_some(p)
}

/// The name of the archive's top entry: what was restored or the snapshot path's last part.
fn archive_name(op: &Operation, src: &Source) -> String {
    let base = match src {
        Source::Local(p) => p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        Source::Snapshot(SnapshotPath { path, .. }) => path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string(),
    };
    if !base.is_empty() {
        return base.replace(['"', '\\'], "_");
    }
    match src {
        Source::Local(_) => format!("restore-{}", op.id),
        Source::Snapshot(SnapshotPath { snapshot_id, .. }) => {
            format!(
                "snapshot-{}",
                snapshot_id.chars().take(8).collect::<String>()
            )
        }
    }
}

fn source(op: &Operation, file_path: &str) -> Result<Source, ConnectError> {
    match &op.op {
        Some(Op::OperationRestore(r)) => {
            // Only a restore into a new or empty target has a target that holds nothing else.
            let over_existing = r.overwrite.as_known()
                != Some(cairn_proto::v1::RestoreOverwrite::RESTORE_OVERWRITE_REFUSE);
            if r.in_place || r.dry_run || over_existing {
                return Err(ConnectError::invalid_argument(format!(
                    "operation {} restored in place, over existing files or was a dry run, so it has \
                     no restored copy to download; download from the snapshot instead",
                    op.id
                )));
            }
            let target = std::path::Path::new(&r.target);
            // Several paths each land below the target: the download is the target itself.
            let root = if r.paths.len() > 1 {
                target.to_path_buf()
            } else {
                restore_destination(target, &r.path)
            };
            crate::paths::unlinked(target, &root)?;
            Ok(Source::Local(crate::paths::inside(&root, file_path)?))
        }
        Some(Op::OperationIndexSnapshot(i)) => {
            let id = i
                .snapshot
                .as_option()
                .map(|s| s.id.clone())
                .unwrap_or_default();
            crate::paths::in_snapshot("file_path", file_path)?;
            Ok(Source::Snapshot(SnapshotPath {
                repo_id: op.repo_id.clone(),
                snapshot_id: if id.is_empty() {
                    op.snapshot_id.clone()
                } else {
                    id
                },
                path: if file_path.is_empty() {
                    "/".into()
                } else {
                    file_path.into()
                },
            }))
        }
        _ => Err(ConnectError::invalid_argument(format!(
            "operation {} is neither a restore nor an indexed snapshot; only those can be downloaded",
            op.id
        ))),
    }
}

/// `GET /download/<token>[/<name>][?format=zip|tar.gz]`.
pub async fn handler(
    State(s): State<Arc<Shared>>,
    UrlPath(params): UrlPath<HashMap<String, String>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    match serve(&s, &params, &query).await {
        Ok(r) => r,
        Err((status, msg)) => (status, msg).into_response(),
    }
}

async fn serve(
    s: &Arc<Shared>,
    params: &HashMap<String, String>,
    query: &HashMap<String, String>,
) -> Result<Response, (StatusCode, String)> {
    let token = params.get("token").map(String::as_str).unwrap_or_default();
    let claims = s.downloads.verify(token).ok_or((
        StatusCode::FORBIDDEN,
        "this download link is invalid or has expired (links last 24 hours and end when cairn restarts); ask for a new one".to_string(),
    ))?;
    let op = s
        .orch
        .oplog()
        .get(claims.op)
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .ok_or((
            StatusCode::NOT_FOUND,
            format!("operation {} no longer exists", claims.op),
        ))?;
    let src = source(&op, &claims.path)
        .map_err(|e| (StatusCode::NOT_FOUND, e.message.clone().unwrap_or_default()))?;
    let inner_name = archive_name(&op, &src);
    if let Some(path) = plain_file_of(s, &src).await {
        return Ok(plain_file(s, path, &inner_name));
    }
    let name = params.get("name").map(String::as_str).unwrap_or_default();
    let format = Format::pick(query.get("format").map(String::as_str), name)
        .map_err(|e| (StatusCode::BAD_REQUEST, e.to_string()))?;
    let (reader, writer) = tokio::io::duplex(PIPE);
    let (done, outcome) = tokio::sync::oneshot::channel();
    match src {
        Source::Local(root) => spawn_local(root, inner_name.clone(), format, writer, done),
        Source::Snapshot(path) => spawn_snapshot(s.clone(), path, format, writer, done),
    }
    let file = format!("{inner_name}.{}", format.extension());
    Ok(attachment(
        format.content_type(),
        &file,
        body(reader, outcome),
    ))
}

/// A download response: `body` saved by the browser as `file`.
fn attachment(content_type: &str, file: &str, body: Body) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// One file of a snapshot as it is, dumped by the engine.
fn plain_file(s: &Arc<Shared>, path: &SnapshotPath, name: &str) -> Response {
    let (reader, writer) = tokio::io::duplex(PIPE);
    let (done, outcome) = tokio::sync::oneshot::channel();
    let (s, path) = (s.clone(), path.clone());
    tokio::spawn(async move {
        let _ = done.send(dump(&s, &path, ArchiveFormat::Plain, writer).await);
    });
    attachment("application/octet-stream", name, body(reader, outcome))
}

/// How the archive writer ended: Ok, or why it stopped early.
type Outcome = tokio::sync::oneshot::Sender<std::io::Result<()>>;

/// The response body: the pipe's bytes, then an error if the writer failed, so the client sees a
/// broken download instead of a short archive that looks complete.
fn body(
    reader: tokio::io::DuplexStream,
    done: tokio::sync::oneshot::Receiver<std::io::Result<()>>,
) -> Body {
    use futures::StreamExt;
    let outcome = futures::stream::once(done).filter_map(|r| async move {
        match r {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(Err(e)),
            Err(_) => Some(Err(std::io::Error::other("the archive writer stopped"))),
        }
    });
    Body::from_stream(ReaderStream::new(reader).chain(outcome))
}

/// Archives local files on a blocking thread into the pipe.
fn spawn_local(root: PathBuf, name: String, format: Format, writer: DuplexStream, done: Outcome) {
    tokio::task::spawn_blocking(move || {
        let out = std::io::BufWriter::new(SyncIoBridge::new(writer));
        let result = match format {
            Format::TarGz => archive::write_tar_gz(&root, &name, out),
            Format::Zip => archive::write_zip(&root, &name, out),
        };
        if let Err(e) = &result {
            tracing::warn!(root = %root.display(), error = %e, "download ended early");
        }
        let _ = done.send(result);
    });
}

/// Dumps a snapshot path through the engine into the pipe (tar gzipped on the way, or zip).
fn spawn_snapshot(
    s: Arc<Shared>,
    src: SnapshotPath,
    format: Format,
    writer: DuplexStream,
    done: Outcome,
) {
    tokio::spawn(async move {
        let result = match format {
            Format::Zip => dump(&s, &src, ArchiveFormat::Zip, writer).await,
            Format::TarGz => {
                let (tar_reader, tar_writer) = tokio::io::duplex(PIPE);
                let gz = tokio::task::spawn_blocking(move || {
                    let mut input = SyncIoBridge::new(tar_reader);
                    let out = SyncIoBridge::new(writer);
                    let mut enc = flate2::write::GzEncoder::new(out, flate2::Compression::fast());
                    std::io::copy(&mut input, &mut enc)?;
                    enc.finish().map(drop)
                });
                let dumped = dump(&s, &src, ArchiveFormat::Tar, tar_writer).await;
                let zipped = gz.await.unwrap_or_else(|e| Err(std::io::Error::other(e)));
                dumped.and(zipped)
            }
        };
        if let Err(e) = &result {
            tracing::warn!(repo = %src.repo_id, snapshot = %src.snapshot_id, error = %e, "snapshot download failed");
        }
        let _ = done.send(result);
    });
}

/// Writes the snapshot path into `out`, closing it at the end.
async fn dump(
    s: &Shared,
    src: &SnapshotPath,
    format: ArchiveFormat,
    mut out: DuplexStream,
) -> std::io::Result<()> {
    s.orch
        .dump(&src.repo_id, &src.snapshot_id, &src.path, format, &mut out)
        .await
        .map_err(std::io::Error::other)
}

#[cfg(test)]
mod fuzz;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_checked_and_expire() {
        let k = DownloadKeys::generate().unwrap();
        let now = chrono::Utc::now().timestamp();
        let t = k.sign(5, "a/b", now);
        let c = k.verify(&t).unwrap();
        assert_eq!((c.op, c.path.as_str()), (5, "a/b"));
        assert!(k.verify(&k.sign(5, "", now - TTL_SECONDS - 10)).is_none());
        assert!(DownloadKeys::generate().unwrap().verify(&t).is_none());
    }
}
