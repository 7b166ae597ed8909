// The settings page: the server's facts, the instance id, authentication and users, single sign-on, cairn's limits
// (parallel tasks, hook timeout, history kept), the signed-in user's two-factor authentication and API
// tokens. Everything but the tokens is edited in a
// draft of the config and saved at once with SetConfig; tokens are created and revoked by their own calls.
// Leaving the page with unsaved changes asks first (useLeaveGuard).
import "./tools.css";
import { Confirm } from "../components/Modal";
import { useTranslation } from "../i18n";
import { isDirty } from "../lib/settingsDraft";
import { ApiTokens } from "./settings/ApiTokens";
import { AuthEditor } from "./settings/AuthEditor";
import { InstanceField } from "./settings/InstanceField";
import { LanguagePicker } from "../components/LanguagePicker";
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
  const { t } = useTranslation("settings");
  const { t: tc } = useTranslation("common");
  const s = useSettingsForm();
  const { config, form, fieldErrors, edit } = s;
  const dirty = form !== null && isDirty(form.base, form.draft);
  const leaving = useLeaveGuard(dirty);
  if (!config || !form) return <SettingsLoading error={s.loadError} />;

  const { base, draft } = form;
  const sectionProps = { draft, errors: fieldErrors, edit };

  return (
    <div className="stack settings">
      <h1>{t("page.title")}</h1>

      <Section title={t("page.sections.language")}>
        <LanguagePicker />
      </Section>

      <ServerSection />

      <Section title={t("page.sections.instance")}>
        <InstanceField base={base} draft={draft} error={fieldErrors.instance} edit={edit} />
      </Section>

      <Section title={t("page.sections.authentication")}>
        <AuthEditor {...sectionProps} onTwoFactorReset={() => void (dirty ? s.reload() : s.reloadConfig())} />
      </Section>

      {!draft.auth?.disabled && (
        <Section title={t("page.sections.singleSignOn")}>
          <SingleSignOn {...sectionProps} />
        </Section>
      )}

      <Section title={t("page.sections.limits")}>
        <LimitsEditor {...sectionProps} />
      </Section>

      <Section title={t("page.sections.secrets")}>
        <SealSecrets {...sectionProps} />
      </Section>

      {!draft.auth?.disabled && (
        <Section title={t("page.sections.twoFactor")}>
          <TwoFactor />
        </Section>
      )}

      <Section title={t("page.sections.apiTokens")}>
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
          title={t("page.leave.title")}
          message={t("page.leave.message")}
          confirmLabel={tc("discard")}
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
  const { t } = useTranslation("settings");
  const { t: tc } = useTranslation("common");
  return (
    <div className="stack settings">
      <h1>{t("page.title")}</h1>
      {props.error ? (
        <div className="banner banner-error" role="alert">
          {props.error}
        </div>
      ) : (
        <p className="muted">{tc("loading")}</p>
      )}
    </div>
  );
}
