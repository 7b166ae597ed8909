//! Backrest's `v1.Backrest` service: every RPC with Backrest's semantics (see
//! ../shared/reference/backrest-api.md §2.6), each delegating to the file that holds its concept.
mod config;
pub(crate) mod dashboard;
mod files;
mod logs;
mod mirror_states;
pub(crate) mod operations;
mod pairing;
mod repos;
mod restore;
mod sftp;
mod snapshots;
mod tasks;

use crate::auth::first_run::FirstRun;
use crate::state::Shared;
use buffa_types::google::protobuf::Empty;
use cairn_proto::types::{BytesValue, StringList, StringValue};
use cairn_proto::v1::*;
use connectrpc::{
    ConnectError, RequestContext, Response, ServiceRequest, ServiceResult, ServiceStream,
};
use std::sync::Arc;

pub struct BackrestApi {
    s: Arc<Shared>,
}

impl BackrestApi {
    pub fn new(s: Arc<Shared>) -> Self {
        Self { s }
    }
}

fn scheduled(operation_id: i64) -> ServiceResult<ScheduleTaskResponse> {
    Response::ok(ScheduleTaskResponse {
        operation_id,
        ..ScheduleTaskResponse::default()
    })
}

impl Backrest for BackrestApi {
    async fn get_config(
        &self,
        ctx: RequestContext,
        _req: ServiceRequest<'_, Empty>,
    ) -> ServiceResult<Config> {
        let first_run = ctx.extensions().get::<FirstRun>();
        Response::ok(config::get(&self.s, first_run))
    }

    async fn set_config(
        &self,
        ctx: RequestContext,
        req: ServiceRequest<'_, Config>,
    ) -> ServiceResult<Config> {
        let first_run = ctx.extensions().get::<FirstRun>();
        Response::ok(config::set(&self.s, req.to_owned_message(), first_run).await?)
    }

    async fn setup_sftp(
        &self,
        _ctx: RequestContext,
        req: ServiceRequest<'_, SetupSftpRequest>,
    ) -> ServiceResult<SetupSftpResponse> {
        Response::ok(sftp::setup(&self.s, req.host, req.port).await?)
    }

    async fn check_repo_exists(
        &self,
        _ctx: RequestContext,
        req: ServiceRequest<'_, CheckRepoExistsRequest>,
    ) -> ServiceResult<CheckRepoExistsResponse> {
        let repo = req
            .to_owned_message()
            .repo
            .into_option()
            .unwrap_or_default();
        Response::ok(repos::check_exists(&self.s, repo).await?)
    }

    async fn add_repo(
        &self,
        _ctx: RequestContext,
        req: ServiceRequest<'_, AddRepoRequest>,
    ) -> ServiceResult<Config> {
        let repo = req
            .to_owned_message()
            .repo
            .into_option()
            .unwrap_or_default();
        Response::ok(repos::add(&self.s, repo).await?)
    }

    async fn remove_repo(
        &self,
        _ctx: RequestContext,
        req: ServiceRequest<'_, RemoveRepoRequest>,
    ) -> ServiceResult<Config> {
        Response::ok(repos::remove(&self.s, req.repo_id).await?)
    }

    async fn get_operation_events(
        &self,
        _ctx: RequestContext,
        _req: ServiceRequest<'_, Empty>,
    ) -> ServiceResult<ServiceStream<OperationEvent>> {
        Response::ok(operations::events(&self.s)?)
    }

    async fn get_operations(
        &self,
        _ctx: RequestContext,
        req: ServiceRequest<'_, GetOperationsRequest>,
    ) -> ServiceResult<OperationList> {
        Response::ok(operations::get(&self.s, &req.to_owned_message())?)
    }

    async fn list_snapshots(
        &self,
        _ctx: RequestContext,
        req: ServiceRequest<'_, ListSnapshotsRequest>,
    ) -> ServiceResult<ResticSnapshotList> {
        Response::ok(snapshots::list(&self.s, req.repo_id, req.plan_id).await?)
    }

    async fn list_snapshot_files(
        &self,
        _ctx: RequestContext,
        req: ServiceRequest<'_, ListSnapshotFilesRequest>,
    ) -> ServiceResult<ListSnapshotFilesResponse> {
        Response::ok(snapshots::files(&self.s, req.repo_id, req.snapshot_id, req.path).await?)
    }

    async fn backup(
        &self,
        _ctx: RequestContext,
        req: ServiceRequest<'_, BackupRequest>,
    ) -> ServiceResult<Empty> {
        tasks::backup(&self.s, req.value, req.dry_run).await?;
        Response::ok(Empty::default())
    }

    async fn do_repo_task(
        &self,
        _ctx: RequestContext,
        req: ServiceRequest<'_, DoRepoTaskRequest>,
    ) -> ServiceResult<ScheduleTaskResponse> {
        let req = req.to_owned_message();
        scheduled(tasks::repo_task(&self.s, &req.repo_id, req.task.as_known()).await?)
    }

    async fn forget(
        &self,
        _ctx: RequestContext,
        req: ServiceRequest<'_, ForgetRequest>,
    ) -> ServiceResult<ScheduleTaskResponse> {
        scheduled(tasks::forget(&self.s, req.repo_id, req.plan_id, req.snapshot_id).await?)
    }

    async fn restore(
        &self,
        _ctx: RequestContext,
        req: ServiceRequest<'_, RestoreSnapshotRequest>,
    ) -> ServiceResult<ScheduleTaskResponse> {
        scheduled(restore::restore(&self.s, &req.to_owned_message()).await?)
    }

    async fn cancel(
        &self,
        _ctx: RequestContext,
        req: ServiceRequest<'_, CancelOperationRequest>,
    ) -> ServiceResult<Empty> {
        tasks::cancel(&self.s, req.operation_id)?;
        Response::ok(Empty::default())
    }

    async fn get_logs(
        &self,
        _ctx: RequestContext,
        req: ServiceRequest<'_, LogDataRequest>,
    ) -> ServiceResult<ServiceStream<BytesValue>> {
        Response::ok(logs::stream(&self.s, req.r#ref).await?)
    }

    async fn run_command(
        &self,
        _ctx: RequestContext,
        req: ServiceRequest<'_, RunCommandRequest>,
    ) -> ServiceResult<RunCommandResponse> {
        let operation_id = tasks::run_command(&self.s, req.repo_id, req.command)?;
        Response::ok(RunCommandResponse {
            operation_id,
            ..RunCommandResponse::default()
        })
    }

    async fn get_download_url(
        &self,
        _ctx: RequestContext,
        req: ServiceRequest<'_, GetDownloadURLRequest>,
    ) -> ServiceResult<StringValue> {
        let op = self
            .s
            .orch
            .oplog()
            .get(req.op_id)
            .map_err(crate::errors::oplog)?
            .ok_or_else(|| ConnectError::not_found(format!("no operation {}", req.op_id)))?;
        let value = crate::download::url_for(&self.s, &op, req.file_path).await?;
        Response::ok(StringValue {
            value,
            ..StringValue::default()
        })
    }

    async fn clear_history(
        &self,
        _ctx: RequestContext,
        req: ServiceRequest<'_, ClearHistoryRequest>,
    ) -> ServiceResult<Empty> {
        let req = req.to_owned_message();
        Response::ok(operations::clear(
            &self.s,
            req.selector.as_option(),
            req.only_failed,
        )?)
    }

    async fn path_autocomplete(
        &self,
        _ctx: RequestContext,
        req: ServiceRequest<'_, StringValue>,
    ) -> ServiceResult<StringList> {
        let values = files::autocomplete(req.value).await?;
        Response::ok(StringList {
            values,
            ..StringList::default()
        })
    }

    async fn get_summary_dashboard(
        &self,
        _ctx: RequestContext,
        _req: ServiceRequest<'_, Empty>,
    ) -> ServiceResult<SummaryDashboardResponse> {
        // It decodes thousands of operations: off the async threads.
        let s = self.s.clone();
        let summary = tokio::task::spawn_blocking(move || dashboard::summary(&s))
            .await
            .map_err(|e| ConnectError::internal(e.to_string()))??;
        Response::ok(summary)
    }

    async fn generate_pairing_token(
        &self,
        _ctx: RequestContext,
        req: ServiceRequest<'_, GeneratePairingTokenRequest>,
    ) -> ServiceResult<GeneratePairingTokenResponse> {
        Response::ok(pairing::generate(&self.s, req.to_owned_message()).await?)
    }
}
