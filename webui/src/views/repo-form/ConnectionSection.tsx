// The repository form's "Connection" section: where the repository is (with the SSH key helper for
// sftp:), its password, the environment and flags restic gets, and the engine that opens it.
import { Field, LinesInput } from "../../components/Field";
import { FormSection } from "../../components/FormKit";
import { Trans, useTranslation } from "../../i18n";
import { linesError } from "../../lib/formErrors";
import { BACKENDS, envWarning, schemeOf } from "../repoUri";
import { PasswordField } from "./PasswordField";
import { SftpHelper } from "./SftpHelper";
import { UriHint } from "./UriHint";
import type { RepoSectionProps } from "./sectionProps";

/** Examples shown as placeholders: syntax, not words, so the same in every language. */
export const LOCAL_EXAMPLE = "/mnt/backup/restic";
export const ENV_EXAMPLE = "NAME=value";
export const FLAG_EXAMPLE = "--limit-upload=2000";

/** Names whose values the server keeps back once saved; the last one is joined by the sentence's "or". */
const SECRET_NAMES = ["PASS", "SECRET", "TOKEN", "KEY", "CREDENTIAL"];
const LAST_SECRET_NAME = "AUTH";

export function ConnectionSection(props: RepoSectionProps & { editing: boolean }) {
  const { repo, errors, patch } = props;
  const { t } = useTranslation("repos");
  const scheme = schemeOf(repo.uri);
  const backend = BACKENDS.find((b) => b.scheme === scheme);
  const envWarn = envWarning(scheme, repo.env);
  return (
    <FormSection title={t("connection.title")}>
      <Field label={t("connection.uri")} error={errors.uri} hint={<UriHint scheme={scheme} />}>
        <input
          type="text"
          value={repo.uri}
          autoComplete="off"
          spellCheck={false}
          translate="no"
          placeholder={backend?.example ?? LOCAL_EXAMPLE}
          onChange={(e) => patch({ uri: e.target.value })}
        />
      </Field>
      {scheme === "sftp" && (
        <SftpHelper uri={repo.uri} onFlag={(flag) => patch({ flags: [...repo.flags.filter((f) => !f.includes("sftp.args")), flag] })} />
      )}

      <PasswordField value={repo.password} error={errors.password} editing={props.editing} onChange={(password) => patch({ password })} />

      <Field label={t("connection.environment")} error={linesError(errors, "env")} hint={<EnvironmentHint />}>
        <LinesInput value={repo.env} onChange={(env) => patch({ env })} placeholder={backend?.envExample ?? ENV_EXAMPLE} />
      </Field>
      {envWarn && (
        <div className="banner banner-warn" role="note">
          {envWarn}
        </div>
      )}

      <Field
        label={t("connection.flags")}
        error={linesError(errors, "flags")}
        hint={t("connection.flagsHint", { first: FLAG_EXAMPLE, second: "-o s3.storage-class=STANDARD_IA" })}
      >
        <LinesInput value={repo.flags} onChange={(flags) => patch({ flags })} placeholder={FLAG_EXAMPLE} />
      </Field>

      <EngineField engine={repo.engine} error={errors.engine} onChange={(engine) => patch({ engine })} />
    </FormSection>
  );
}

function EnvironmentHint() {
  const { t } = useTranslation("repos");
  return (
    <Trans
      t={t}
      i18nKey="connection.environmentHint"
      components={{ code: <code translate="no" /> }}
      values={{ form: "KEY=VALUE", variable: "${VAR}", names: SECRET_NAMES.join(", "), last: LAST_SECRET_NAME }}
    />
  );
}

const ENGINE_HINTS = {
  auto: "connection.engineHintAuto",
  restic: "connection.engineHintRestic",
  embedded: "connection.engineHintEmbedded",
} as const;

/** Which engine opens the repository. Auto is sent as "auto": an empty engine means "keep the stored one", which is what a
 * client that does not know the field (Backrest's UI) sends. */
function EngineField(props: { engine: string; error?: string; onChange: (engine: string) => void }) {
  const { t } = useTranslation("repos");
  const hint = props.engine === "embedded" || props.engine === "restic" ? ENGINE_HINTS[props.engine] : ENGINE_HINTS.auto;
  return (
    <Field label={t("connection.engine")} error={props.error} hint={t(hint)}>
      <select value={props.engine || "auto"} onChange={(e) => props.onChange(e.target.value)}>
        <option value="auto">{t("connection.engineAuto")}</option>
        <option value="restic">{t("connection.engineRestic")}</option>
        <option value="embedded">{t("connection.engineEmbedded")}</option>
      </select>
    </Field>
  );
}
