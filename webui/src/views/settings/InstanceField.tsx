// The instance id: set once (snapshots are tagged with it), read-only after that.
import type { Config } from "@gen/v1/config_pb";
import { Field } from "../../components/Field";
import type { Edit } from "./settingsForm";

export function InstanceField(props: { base: Config; draft: Config; error?: string; edit: Edit }) {
  const locked = props.base.instance !== "";
  return (
    <Field
      label="Instance ID"
      error={props.error}
      hint={
        locked
          ? "Snapshots made here are tagged created-by:<instance id>, so the id cannot change once set."
          : "A name for this cairn, e.g. the host's name (letters, digits, '_', '-', '.'). Snapshots are tagged created-by:<instance id>; once saved it cannot change."
      }
    >
      <input
        value={props.draft.instance}
        readOnly={locked}
        placeholder={locked ? undefined : "e.g. my-server"}
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
