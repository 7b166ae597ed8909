// The repository form's "Connection" section: where the repository is (with the SSH key helper for
// sftp:), its password, the environment and flags restic gets, and the engine that opens it.
import { Field, LinesInput } from "../../components/Field";
import { FormSection } from "../../components/FormKit";
import { linesError } from "../../lib/formErrors";
import { BACKENDS, envWarning, schemeOf } from "../repoUri";
import { PasswordField } from "./PasswordField";
import { SftpHelper } from "./SftpHelper";
import { UriHint } from "./UriHint";
import type { RepoSectionProps } from "./sectionProps";

export function ConnectionSection(props: RepoSectionProps & { editing: boolean }) {
  const { repo, errors, patch } = props;
  const scheme = schemeOf(repo.uri);
  const backend = BACKENDS.find((b) => b.scheme === scheme);
  const envWarn = envWarning(scheme, repo.env);
  return (
    <FormSection title="Connection">
      <Field label="URI" error={errors.uri} hint={<UriHint scheme={scheme} />}>
        <input
          type="text"
          value={repo.uri}
          autoComplete="off"
          spellCheck={false}
          placeholder={backend?.example ?? "/mnt/backup/restic"}
          onChange={(e) => patch({ uri: e.target.value })}
        />
      </Field>
      {scheme === "sftp" && (
        <SftpHelper uri={repo.uri} onFlag={(flag) => patch({ flags: [...repo.flags.filter((f) => !f.includes("sftp.args")), flag] })} />
      )}

      <PasswordField value={repo.password} error={errors.password} editing={props.editing} onChange={(password) => patch({ password })} />

      <Field
        label="Environment"
        error={linesError(errors, "env")}
        hint={
          <>
            KEY=VALUE, one per line; <code>${"{VAR}"}</code> takes a value from cairn&apos;s own environment. Values of names containing
            PASS, SECRET, TOKEN, KEY, CREDENTIAL or AUTH are not shown again once saved.
          </>
        }
      >
        <LinesInput value={repo.env} onChange={(env) => patch({ env })} placeholder={backend?.envExample ?? "NAME=value"} />
      </Field>
      {envWarn && (
        <div className="banner banner-warn" role="note">
          {envWarn}
        </div>
      )}

      <Field
        label="Flags"
        error={linesError(errors, "flags")}
        hint="Extra restic options for every command on this repository, one per line, e.g. --limit-upload=2000 or -o s3.storage-class=STANDARD_IA."
      >
        <LinesInput value={repo.flags} onChange={(flags) => patch({ flags })} placeholder="--limit-upload=2000" />
      </Field>

      <EngineField engine={repo.engine} error={errors.engine} onChange={(engine) => patch({ engine })} />
    </FormSection>
  );
}

function engineHint(engine: string): string {
  if (engine === "embedded") {
    return "Always use cairn's embedded engine (no restic program needed).";
  }
  return engine === "restic" ? "Always use the restic program." : "restic when it is installed, the embedded engine otherwise.";
}

/** Which engine opens the repository. Auto is sent as "auto": an empty engine means "keep the stored one", which is what a
 * client that does not know the field (Backrest's UI) sends. */
function EngineField(props: { engine: string; error?: string; onChange: (engine: string) => void }) {
  return (
    <Field label="Engine" error={props.error} hint={engineHint(props.engine)}>
      <select value={props.engine || "auto"} onChange={(e) => props.onChange(e.target.value)}>
        <option value="auto">Auto</option>
        <option value="restic">restic</option>
        <option value="embedded">Embedded</option>
      </select>
    </Field>
  );
}
