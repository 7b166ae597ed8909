// The "Add repository" / "Edit repository" dialog: where the repository is and how to open it, its
// prune, check and forget policies, hooks and process priority. Saving goes through AddRepo, which
// creates the repository, or imports one that exists (then indexes its snapshots), or updates it.
import { clone } from "@bufbuild/protobuf";
import { RepoSchema, type Config, type Repo } from "@gen/v1/config_pb";
import { useConfig } from "../state/config";
import { Confirm, Modal } from "../components/Modal";
import { unsavedGuard } from "../components/closeGuard";
import { FormBanner, FormSection, FormUnavailable, useDeleteConfirmation } from "../components/FormKit";
import { HookEditor } from "../components/HookEditor";
import { i18n, useTranslation } from "../i18n";
import { AdvancedSection } from "./repo-form/AdvancedSection";
import { ConnectionSection } from "./repo-form/ConnectionSection";
import { IdentitySection } from "./repo-form/IdentitySection";
import { CheckPolicySection, ForgetPolicySection, PrunePolicySection } from "./repo-form/PolicySections";
import { VerifyPolicySection } from "./repo-form/VerifyPolicySection";
import { RepoFormStatus } from "./repo-form/RepoFormStatus";
import { newRepo } from "./repo-form/newRepo";
import { useRepoForm, type Busy } from "./repo-form/useRepoForm";
import "./forms.css";

export function RepoForm(props: { repoId?: string; onClose: () => void; onSaved?: (repoId: string) => void }) {
  const { config } = useConfig();
  const { t } = useTranslation("repos");
  const editing = props.repoId !== undefined;
  const title = editing ? t("repoForm.editTitle", { id: props.repoId }) : t("repoForm.addTitle");
  if (!config) return <FormUnavailable title={title} onClose={props.onClose} />;
  const existing = editing ? config.repos.find((r) => r.id === props.repoId) : undefined;
  if (editing && !existing) {
    return <FormUnavailable title={title} onClose={props.onClose} missing={{ kind: "repository", id: props.repoId ?? "" }} />;
  }
  return <RepoFormBody {...props} title={title} config={config} initial={existing ? clone(RepoSchema, existing) : newRepo()} />;
}

function RepoFormBody(props: {
  title: string;
  config: Config;
  initial: Repo;
  repoId?: string;
  onClose: () => void;
  onSaved?: (repoId: string) => void;
}) {
  const { config } = props;
  const { t } = useTranslation("repos");
  const editing = props.repoId !== undefined;
  const form = useRepoForm({ config, initial: props.initial, editing, onClose: props.onClose, onSaved: props.onSaved });
  const { repo, patch, errors } = form;
  const deletion = useDeleteConfirmation(props.onClose);
  const section = { repo, errors, patch };

  const footer = (
    <FooterButtons
      editing={editing}
      busy={form.busy}
      onDelete={() => deletion.setConfirming(true)}
      onCancel={deletion.close}
      onTest={() => void form.testConnection()}
      onSave={() => void form.save()}
    />
  );

  return (
    <Modal title={props.title} onClose={deletion.close} footer={footer} wide guard={unsavedGuard(form.dirty)}>
      <div className="stack">
        <FormBanner text={form.banner} />

        {repo.originInstanceId && (
          <div className="banner banner-info" role="note">
            {t("repoForm.sharedBy", { instance: repo.originInstanceId })}
          </div>
        )}

        <IdentitySection {...section} editing={editing} />
        <ConnectionSection {...section} editing={editing} />
        <PrunePolicySection {...section} />
        <CheckPolicySection {...section} />
        <ForgetPolicySection {...section} />
        <VerifyPolicySection {...section} />

        <FormSection title={t("repoForm.hooks")} hint={t("repoForm.hooksHint")}>
          <HookEditor hooks={repo.hooks} errors={errors} onChange={(hooks) => patch({ hooks })} />
        </FormSection>

        <AdvancedSection {...section} />

        <RepoFormStatus busy={form.busy} test={form.test} />
      </div>

      {deletion.confirming && (
        <Confirm
          title={t("repoForm.deleteTitle", { id: repo.id })}
          danger
          confirmLabel={t("repoForm.deleteConfirm")}
          onCancel={deletion.cancel}
          onConfirm={() => {
            deletion.setConfirming(false);
            void form.remove();
          }}
          message={deleteMessage(config, repo.id)}
        />
      )}
    </Modal>
  );
}

/** What deleting the repository does, or which plans keep it from being deleted. */
function deleteMessage(config: Config, repoId: string): string {
  const plansUsing = config.plans.filter((p) => p.id && p.repo === repoId).map((p) => p.id);
  if (plansUsing.length === 0) return i18n.t("repos:repoForm.deleteKeepsData");
  const plans = plansUsing.join(i18n.t("repos:repoForm.listSeparator"));
  return i18n.t("repos:repoForm.deleteBlocked", { count: plansUsing.length, plans });
}

function FooterButtons(props: {
  editing: boolean;
  busy: Busy;
  onDelete: () => void;
  onCancel: () => void;
  onTest: () => void;
  onSave: () => void;
}) {
  const { busy } = props;
  const { t } = useTranslation("repos");
  const { t: tc } = useTranslation("common");
  return (
    <>
      {props.editing && (
        <button type="button" className="danger foot-left" disabled={busy !== null} onClick={props.onDelete}>
          {tc("delete")}
        </button>
      )}
      <button type="button" onClick={props.onCancel}>
        {tc("cancel")}
      </button>
      <button type="button" disabled={busy !== null} aria-busy={busy === "test"} onClick={props.onTest}>
        {t("repoForm.testConnection")}
      </button>
      <button type="button" className="primary" disabled={busy !== null} aria-busy={busy === "save"} onClick={props.onSave}>
        {tc("save")}
      </button>
    </>
  );
}
