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
import { AdvancedSection } from "./repo-form/AdvancedSection";
import { ConnectionSection } from "./repo-form/ConnectionSection";
import { IdentitySection } from "./repo-form/IdentitySection";
import { CheckPolicySection, ForgetPolicySection, PrunePolicySection } from "./repo-form/PolicySections";
import { RepoFormStatus } from "./repo-form/RepoFormStatus";
import { newRepo } from "./repo-form/newRepo";
import { useRepoForm, type Busy } from "./repo-form/useRepoForm";
import "./forms.css";

export function RepoForm(props: { repoId?: string; onClose: () => void; onSaved?: (repoId: string) => void }) {
  const { config } = useConfig();
  const editing = props.repoId !== undefined;
  const title = editing ? `Edit repository ${props.repoId}` : "Add repository";
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
            Instance {repo.originInstanceId} shares this repository with this one; it may replace these settings when it syncs.
          </div>
        )}

        <IdentitySection {...section} editing={editing} />
        <ConnectionSection {...section} editing={editing} />
        <PrunePolicySection {...section} />
        <CheckPolicySection {...section} />
        <ForgetPolicySection {...section} />

        <FormSection title="Hooks" hint="Repository hooks run before the plan's hooks, for every task on this repository.">
          <HookEditor hooks={repo.hooks} errors={errors} onChange={(hooks) => patch({ hooks })} />
        </FormSection>

        <AdvancedSection {...section} />

        <RepoFormStatus busy={form.busy} test={form.test} />
      </div>

      {deletion.confirming && (
        <Confirm
          title={`Delete repository ${repo.id}?`}
          danger
          confirmLabel="Delete repository"
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
  return plansUsing.length > 0
    ? `Plans ${plansUsing.join(", ")} back up to this repository; delete them or point them elsewhere first.`
    : "cairn stops using this repository and forgets its operation history here. The repository's data (its snapshots) is kept: add it again later to import it.";
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
  return (
    <>
      {props.editing && (
        <button type="button" className="danger foot-left" disabled={busy !== null} onClick={props.onDelete}>
          Delete
        </button>
      )}
      <button type="button" onClick={props.onCancel}>
        Cancel
      </button>
      <button type="button" disabled={busy !== null} aria-busy={busy === "test"} onClick={props.onTest}>
        Test connection
      </button>
      <button type="button" className="primary" disabled={busy !== null} aria-busy={busy === "save"} onClick={props.onSave}>
        Save
      </button>
    </>
  );
}
