// The settings page's "Secrets at rest" card: whether config.json keeps its secrets sealed under the
// key outside it (cairn.sealSecrets). Saved with the other settings.
import { create } from "@bufbuild/protobuf";
import { CairnSettingsSchema } from "@gen/v1/config_pb";
import { Field } from "../../components/Field";
import { settingsOf, type DraftSectionProps } from "./settingsForm";

export function SealSecrets(props: DraftSectionProps) {
  const { draft, edit } = props;
  const on = (draft.cairn ?? create(CairnSettingsSchema, {})).sealSecrets;
  return (
    <>
      <Field label="Seal secrets in config.json" inline>
        <input
          type="checkbox"
          checked={on}
          onChange={(e) => {
            const v = e.target.checked;
            edit((d) => {
              settingsOf(d).sealSecrets = v;
            });
          }}
        />
      </Field>
      <p className="field-hint">
        Repository passwords, secret environment values, hook credentials, two-factor secrets and the single sign-on client secret are
        written encrypted under the key in the data directory (secrets.key): back that key up apart from the config. Backrest cannot read
        sealed values, so leave this off while Backrest may still use this config.
      </p>
    </>
  );
}
