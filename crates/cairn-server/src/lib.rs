//! cairn's HTTP server: Backrest's `v1.Backrest` and `v1.Authentication` Connect services (Connect,
//! gRPC and gRPC-Web; binary and JSON), cairn's own `cairn.v1.Cairn` service, authentication,
//! signed archive downloads, Prometheus `/metrics`, the embedded web UI and Backrest's multihost sync
//! endpoint (`v1sync`, served by cairn-fleet), all on one axum router.
// Service methods return concrete messages where the generated traits allow any encodable body.
#![allow(refining_impl_trait)]
mod archive;
mod auth;
mod authentication;
mod backrest;
mod backup_summary;
mod cairn_service;
mod download;
mod errors;
mod events;
mod file_history;
mod find_files;
mod fleet_control;
mod fleet_dashboard;
mod media_type;
mod metrics;
mod newest_first;
mod paths;
mod secrets;
mod signer;
mod snapshot_diff;
mod state;
mod sync_service;
mod time_zone;
mod two_factor;
mod webui;

pub use auth::password::hash_password;
pub use secrets::REDACTED;
pub use state::{ServerError, ServerOptions};

use axum::Router;
use axum::routing::get;
use cairn_proto::cairn::v1::CairnExt;
use cairn_proto::v1::{AuthenticationExt, BackrestExt};
use cairn_proto::v1sync::{BackrestSyncServiceExt, BackrestSyncStateServiceExt};
use std::sync::Arc;

/// Builds the whole HTTP application: the Connect services behind authentication, `/download/`,
/// `/metrics`, `/healthz` and the web UI at `/`. Also starts the metrics collector, which follows the operation log.
pub fn app(options: ServerOptions) -> Result<Router, ServerError> {
    let shared = Arc::new(state::Shared::new(options)?);
    metrics::spawn_collector(shared.clone());
    let connect = connectrpc::Router::new();
    let connect = Arc::new(backrest::BackrestApi::new(shared.clone())).register(connect);
    let connect =
        Arc::new(authentication::AuthenticationApi::new(shared.clone())).register(connect);
    let connect = Arc::new(cairn_service::CairnApi::new(shared.clone())).register(connect);
    let connect = Arc::new(sync_service::SyncApi::new(shared.clone())).register(connect);
    let connect = Arc::new(sync_service::SyncStateApi::new(shared.clone())).register(connect);
    shared.fleet.start();
    let app = Router::new()
        .route("/", get(webui::index))
        .route("/index.html", get(webui::index))
        .route("/assets/{*file}", get(webui::asset))
        .route("/healthz", get(state::health))
        .route("/auth/oidc/login", get(auth::oidc::login))
        .route("/auth/oidc/callback", get(auth::oidc::callback))
        .route("/metrics", get(metrics::handler))
        .route("/download/{token}", get(download::handler))
        .route("/download/{token}/", get(download::handler))
        .route("/download/{token}/{*name}", get(download::handler))
        .with_state(shared.clone())
        .fallback_service(connect.into_axum_service())
        .layer(axum::middleware::from_fn(media_type::middleware))
        .layer(axum::middleware::from_fn_with_state(
            shared,
            auth::middleware,
        ));
    Ok(app)
}
