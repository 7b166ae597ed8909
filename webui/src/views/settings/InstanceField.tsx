// The instance id: set once (snapshots are tagged with it), read-only after that.
import type { Config } from "@gen/v1/config_pb";
import { Field } from "../../components/Field";
import { Trans, useTranslation } from "../../i18n";
import type { Edit } from "./settingsForm";

/** The tag snapshots carry: the tag's name is the protocol's, the placeholder for the id is words. */
function InstanceTag() {
  const { t } = useTranslation("settings");
  return (
    <span>
      <span translate="no">created-by:</span>&lt;{t("instance.tagValue")}&gt;
    </span>
  );
}

export function InstanceField(props: { base: Config; draft: Config; error?: string; edit: Edit }) {
  const { t } = useTranslation("settings");
  const locked = props.base.instance !== "";
  return (
    <Field
      label={t("instance.label")}
      error={props.error}
      hint={<Trans t={t} i18nKey={locked ? "instance.hintLocked" : "instance.hintNew"} components={{ tag: <InstanceTag /> }} />}
    >
      <input
        value={props.draft.instance}
        readOnly={locked}
        placeholder={locked ? undefined : t("instance.placeholder", { example: "my-server" })}
        onChange={(e) => {
          const v = e.target.value;
          props.edit((d) => {
            d.instance = v;
          });
        }}
      />
    </Field>
  );
}
