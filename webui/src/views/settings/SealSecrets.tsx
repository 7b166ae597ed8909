// The settings page's "Secrets at rest" card: whether config.json keeps its secrets sealed under the
// key outside it (cairn.sealSecrets). Saved with the other settings.
import { create } from "@bufbuild/protobuf";
import { CairnSettingsSchema } from "@gen/v1/config_pb";
import { Field } from "../../components/Field";
import { useTranslation } from "../../i18n";
import { settingsOf, type DraftSectionProps } from "./settingsForm";

export function SealSecrets(props: DraftSectionProps) {
  const { t } = useTranslation("settings");
  const { draft, edit } = props;
  const on = (draft.cairn ?? create(CairnSettingsSchema, {})).sealSecrets;
  return (
    <>
      <Field label={t("secrets.seal", { file: "config.json" })} inline>
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
      <p className="field-hint">{t("secrets.hint", { keyFile: "secrets.key" })}</p>
    </>
  );
}
