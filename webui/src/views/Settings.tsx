// The settings page: the server's facts, the instance id, authentication and users, single sign-on, cairn's limits
// (parallel tasks, hook timeout, history kept), the signed-in user's two-factor authentication and API
// tokens. Everything but the tokens is edited in a
// draft of the config and saved at once with SetConfig; tokens are created and revoked by their own calls.
// Leaving the page with unsaved changes asks first (useLeaveGuard).
import "./tools.css";
import { Confirm } from "../components/Modal";
import { isDirty } from "../lib/settingsDraft";
import { ApiTokens } from "./settings/ApiTokens";
import { AuthEditor } from "./settings/AuthEditor";
import { InstanceField } from "./settings/InstanceField";
import { LimitsEditor } from "./settings/LimitsEditor";
import { SaveBar } from "./settings/SaveBar";
import { SealSecrets } from "./settings/SealSecrets";
import { Section } from "./settings/Section";
import { ServerSection } from "./settings/ServerSection";
import { SingleSignOn } from "./settings/SingleSignOn";
import { TwoFactor } from "./settings/TwoFactor";
import { useLeaveGuard } from "./settings/useLeaveGuard";
import { useSettingsForm } from "./settings/useSettingsForm";

export function SettingsView() {
  const s = useSettingsForm();
  const { config, form, fieldErrors, edit } = s;
  const dirty = form !== null && isDirty(form.base, form.draft);
  const leaving = useLeaveGuard(dirty);
  if (!config || !form) return <SettingsLoading error={s.loadError} />;

  const { base, draft } = form;
  const sectionProps = { draft, errors: fieldErrors, edit };

  return (
    <div className="stack settings">
      <h1>Settings</h1>

      <ServerSection />

      <Section title="Instance">
        <InstanceField base={base} draft={draft} error={fieldErrors.instance} edit={edit} />
      </Section>

      <Section title="Authentication">
        <AuthEditor {...sectionProps} onTwoFactorReset={() => void (dirty ? s.reload() : s.reloadConfig())} />
      </Section>

      {!draft.auth?.disabled && (
        <Section title="Single sign-on">
          <SingleSignOn {...sectionProps} />
        </Section>
      )}

      <Section title="Limits">
        <LimitsEditor {...sectionProps} />
      </Section>

      <Section title="Secrets at rest">
        <SealSecrets {...sectionProps} />
      </Section>

      {!draft.auth?.disabled && (
        <Section title="Two-factor authentication">
          <TwoFactor />
        </Section>
      )}

      <Section title="API tokens">
        <ApiTokens tokens={config.cairn?.apiTokens ?? []} reload={s.reload} />
      </Section>

      <SaveBar
        conflict={s.stale || (dirty && config.modno !== base.modno)}
        fieldsRefused={Object.keys(fieldErrors).length > 0}
        otherErrors={s.otherErrors}
        dirty={dirty}
        saving={s.saving}
        onReload={() => void s.reloadConfig()}
        onDiscard={() => s.discard(base)}
        onSave={() => void s.saveDraft(draft)}
      />

      {leaving.pending !== null && (
        <Confirm
          title="Unsaved changes"
          message="The settings have unsaved changes. Leave the page and discard them?"
          confirmLabel="Discard"
          danger
          onCancel={leaving.stay}
          onConfirm={leaving.leave}
        />
      )}
    </div>
  );
}

/** The page before the config has loaded, or when it could not be. */
function SettingsLoading(props: { error: string | null }) {
  return (
    <div className="stack settings">
      <h1>Settings</h1>
      {props.error ? (
        <div className="banner banner-error" role="alert">
          {props.error}
        </div>
      ) : (
        <p className="muted">Loading…</p>
      )}
    </div>
  );
}
