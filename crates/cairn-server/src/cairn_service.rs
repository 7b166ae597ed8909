//! cairn's own service `cairn.v1.Cairn`: first-run setup, server status, a filtered and resumable
//! operation event stream, API tokens for scripts, fleet control (RunRemoteTask) on a hub, and finding
//! what was backed up (DiffSnapshots, FileHistory).
use crate::auth::api_token;
use crate::auth::{Principal, auth_settings};
use crate::authentication::{hash, session_token};
use crate::errors::{self, Refused};
use crate::events::{self, Batch};
use crate::state::Shared;
use buffa_types::google::protobuf::Empty;
use cairn_config::ConfigError;
use cairn_proto::cairn::v1::{
    AuthState, Cairn, ConfigWarning, CreateApiTokenRequest, CreateApiTokenResponse,
    DiffSnapshotsRequest, FileHistoryRequest, FindFilesRequest, FleetDashboard, FoundFiles,
    OperationChanges, PathHistory, QueuedTask, ResetTwoFactorRequest, RevokeApiTokenRequest,
    RunRemoteTaskRequest, RunRemoteTaskResponse, SetupRequest, SnapshotDiff, Status, TwoFactorCode,
    TwoFactorEnrollment, TwoFactorRecoveryCodes, TwoFactorState, WatchOperationsRequest,
};
use cairn_proto::quoted;
use cairn_proto::v1::{BackupRequest, LoginResponse, OperationStatus, ScheduleTaskResponse, User};
use connectrpc::{
    ConnectError, RequestContext, Response, ServiceRequest, ServiceResult, ServiceStream,
};
use futures::StreamExt;
use std::sync::Arc;

pub struct CairnApi {
    s: Arc<Shared>,
}

impl CairnApi {
    pub fn new(s: Arc<Shared>) -> Self {
        Self { s }
    }
}

impl Cairn for CairnApi {
    async fn get_auth_state(
        &self,
        _ctx: RequestContext,
        _req: ServiceRequest<'_, Empty>,
    ) -> ServiceResult<AuthState> {
        let config = self.s.orch.config().get();
        let auth = auth_settings(&config);
        let oidc = crate::auth::oidc::settings(&config);
        Response::ok(AuthState {
            setup_required: crate::auth::first_run::pending(&config),
            auth_disabled: auth.disabled,
            oidc_label: oidc
                .filter(|_| !auth.disabled)
                .map(|o| crate::auth::oidc::label(&o))
                .unwrap_or_default(),
            ..AuthState::default()
        })
    }

    async fn setup(
        &self,
        ctx: RequestContext,
        req: ServiceRequest<'_, SetupRequest>,
    ) -> ServiceResult<LoginResponse> {
        let name = req.username.trim().to_string();
        let auth = auth_settings(&self.s.orch.config().get());
        if auth.disabled || !auth.users.is_empty() {
            return Err(setup_done());
        }
        let stored = hash(&self.s, req.password.to_string()).await?;
        self.s
            .orch
            .config()
            .modify(|c| -> Result<(), Refused> {
                let auth = c.auth.get_or_insert_default();
                if auth.disabled || !auth.users.is_empty() {
                    return Err(Refused(setup_done()));
                }
                auth.users.push(User {
                    name: name.clone(),
                    password: Some(crate::auth::password::stored(stored.clone())),
                    ..User::default()
                });
                Ok(())
            })
            .map_err(|r| r.0)?;
        tracing::info!(user = %name, "first user created");
        self.s
            .throttle
            .trust(&name, crate::auth::source_of(ctx.extensions()));
        Response::ok(LoginResponse {
            token: session_token(&self.s, &name, &stored),
            ..LoginResponse::default()
        })
    }

    async fn start_backup(
        &self,
        _ctx: RequestContext,
        req: ServiceRequest<'_, BackupRequest>,
    ) -> ServiceResult<ScheduleTaskResponse> {
        if req.value.is_empty() {
            return Err(crate::errors::invalid("value", "name the plan to back up"));
        }
        let operation_id = self
            .s
            .orch
            .backup_now(req.value, req.dry_run)
            .map_err(crate::errors::orch)?;
        Response::ok(ScheduleTaskResponse {
            operation_id,
            ..ScheduleTaskResponse::default()
        })
    }

    async fn get_status(
        &self,
        _ctx: RequestContext,
        _req: ServiceRequest<'_, Empty>,
    ) -> ServiceResult<Status> {
        let o = &self.s.orch;
        let queue = o
            .queued()
            .into_iter()
            .map(|(op_id, task, run_at)| QueuedTask {
                operation_id: op_id.unwrap_or(0),
                r#type: task.type_name().to_string(),
                plan_id: task.plan_id().unwrap_or_default().to_string(),
                repo_id: task.own_repo_id().unwrap_or_default().to_string(),
                run_at_ms: run_at.timestamp_millis(),
                ..QueuedTask::default()
            })
            .collect();
        Response::ok(Status {
            version: env!("CARGO_PKG_VERSION").to_string(),
            instance: o.config().get().instance,
            queue,
            running: o.running() as i32,
            modno: o.oplog().current_modno(),
            config_path: self.s.config_path.display().to_string(),
            data_path: self.s.data_dir.display().to_string(),
            running_operations: o
                .oplog()
                .unfinished()
                .map_err(errors::oplog)?
                .into_iter()
                .filter(|op| op.status == OperationStatus::STATUS_INPROGRESS)
                .collect(),
            config_warnings: cairn_config::warnings(&o.config().get())
                .into_iter()
                .map(|w| ConfigWarning {
                    path: w.path,
                    message: w.message,
                    ..ConfigWarning::default()
                })
                .collect(),
            time_zone: crate::time_zone::local(),
            backrest_history: self
                .s
                .backrest_history
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            ..Status::default()
        })
    }

    async fn watch_operations(
        &self,
        _ctx: RequestContext,
        req: ServiceRequest<'_, WatchOperationsRequest>,
    ) -> ServiceResult<ServiceStream<OperationChanges>> {
        let req = req.to_owned_message();
        let selector =
            crate::backrest::operations::selector(req.selector.as_option())?.unwrap_or_default();
        let sub = self
            .s
            .orch
            .oplog()
            .subscribe(selector, req.resume_after_modno)
            .map_err(crate::errors::oplog)?;
        let stream = events::stream(sub, &self.s.shutdown).map(|b| Ok(changes(b)));
        Response::ok(Box::pin(stream) as ServiceStream<OperationChanges>)
    }

    async fn create_api_token(
        &self,
        ctx: RequestContext,
        req: ServiceRequest<'_, CreateApiTokenRequest>,
    ) -> ServiceResult<CreateApiTokenResponse> {
        let user = principal(&ctx)?;
        if req.ttl_days < 0 {
            return Err(crate::errors::invalid(
                "ttl_days",
                "must be 0 (never expires) or more",
            ));
        }
        let now = chrono::Utc::now().timestamp_millis();
        let made = api_token::generate(req.label, &user, req.ttl_days, now)
            .map_err(|e| ConnectError::internal(e.to_string()))?;
        self.s
            .orch
            .config()
            .modify(|c| -> Result<(), ConfigError> {
                c.cairn
                    .get_or_insert_default()
                    .api_tokens
                    .push(made.info.clone());
                Ok(())
            })
            .map_err(crate::errors::config)?;
        tracing::info!(user = %user, id = %made.info.id, "API token created");
        Response::ok(CreateApiTokenResponse {
            token: made.token,
            info: made.info.into(),
            ..CreateApiTokenResponse::default()
        })
    }

    async fn revoke_api_token(
        &self,
        _ctx: RequestContext,
        req: ServiceRequest<'_, RevokeApiTokenRequest>,
    ) -> ServiceResult<Empty> {
        let id = req.id.to_string();
        self.s
            .orch
            .config()
            .modify(|c| -> Result<(), Refused> {
                let tokens = &mut c.cairn.get_or_insert_default().api_tokens;
                let before = tokens.len();
                tokens.retain(|t| t.id != id);
                if tokens.len() == before {
                    return Err(Refused(ConnectError::not_found(format!(
                        "no API token with id {id}",
                        id = quoted(&id)
                    ))));
                }
                Ok(())
            })
            .map_err(|r| r.0)?;
        Response::ok(Empty::default())
    }

    async fn get_two_factor(
        &self,
        ctx: RequestContext,
        _req: ServiceRequest<'_, Empty>,
    ) -> ServiceResult<TwoFactorState> {
        Response::ok(crate::two_factor::state(&self.s, &principal(&ctx)?))
    }

    async fn start_two_factor(
        &self,
        ctx: RequestContext,
        _req: ServiceRequest<'_, Empty>,
    ) -> ServiceResult<TwoFactorEnrollment> {
        Response::ok(crate::two_factor::start(&self.s, &principal(&ctx)?)?)
    }

    async fn confirm_two_factor(
        &self,
        ctx: RequestContext,
        req: ServiceRequest<'_, TwoFactorCode>,
    ) -> ServiceResult<TwoFactorRecoveryCodes> {
        let user = principal(&ctx)?;
        Response::ok(crate::two_factor::confirm(&self.s, &user, req.code)?)
    }

    async fn disable_two_factor(
        &self,
        ctx: RequestContext,
        req: ServiceRequest<'_, TwoFactorCode>,
    ) -> ServiceResult<Empty> {
        crate::two_factor::disable(&self.s, &principal(&ctx)?, req.code)?;
        Response::ok(Empty::default())
    }

    async fn run_remote_task(
        &self,
        _ctx: RequestContext,
        req: ServiceRequest<'_, RunRemoteTaskRequest>,
    ) -> ServiceResult<RunRemoteTaskResponse> {
        Response::ok(crate::fleet_control::run(&self.s, req.to_owned_message()).await?)
    }

    async fn diff_snapshots(
        &self,
        _ctx: RequestContext,
        req: ServiceRequest<'_, DiffSnapshotsRequest>,
    ) -> ServiceResult<SnapshotDiff> {
        Response::ok(crate::snapshot_diff::diff(&self.s, req.to_owned_message()).await?)
    }

    async fn file_history(
        &self,
        _ctx: RequestContext,
        req: ServiceRequest<'_, FileHistoryRequest>,
    ) -> ServiceResult<PathHistory> {
        Response::ok(crate::file_history::history(&self.s, req.to_owned_message()).await?)
    }

    async fn find_files(
        &self,
        _ctx: RequestContext,
        req: ServiceRequest<'_, FindFilesRequest>,
    ) -> ServiceResult<FoundFiles> {
        Response::ok(crate::find_files::find(&self.s, req.to_owned_message()).await?)
    }

    async fn get_fleet_dashboard(
        &self,
        _ctx: RequestContext,
        _req: ServiceRequest<'_, Empty>,
    ) -> ServiceResult<FleetDashboard> {
        Response::ok(crate::fleet_dashboard::dashboard(&self.s)?)
    }

    async fn reset_two_factor(
        &self,
        ctx: RequestContext,
        req: ServiceRequest<'_, ResetTwoFactorRequest>,
    ) -> ServiceResult<Empty> {
        crate::two_factor::reset(&self.s, &principal(&ctx)?, req.username)?;
        Response::ok(Empty::default())
    }
}

fn setup_done() -> ConnectError {
    ConnectError::failed_precondition(
        "setup is done already (a user exists, or authentication is disabled); log in instead",
    )
}

/// The signed-in user; refused when there is none (authentication disabled).
fn principal(ctx: &RequestContext) -> Result<String, ConnectError> {
    match ctx.extensions().get::<Principal>() {
        Some(p) if !p.user.is_empty() => Ok(p.user.clone()),
        _ => Err(ConnectError::failed_precondition(
            "API tokens and two-factor authentication belong to a user; enable authentication and log in first",
        )),
    }
}

fn changes(b: Batch) -> OperationChanges {
    match b {
        Batch::Changes {
            created,
            mut updated,
            deleted,
            modno,
        } => {
            let mut upserted = created;
            upserted.append(&mut updated);
            OperationChanges {
                upserted,
                deleted,
                modno,
                ..OperationChanges::default()
            }
        }
        Batch::Reload { modno } => OperationChanges {
            modno,
            reload: true,
            ..OperationChanges::default()
        },
        Batch::KeepAlive { modno } => OperationChanges {
            modno,
            keep_alive: true,
            ..OperationChanges::default()
        },
    }
}
