// The settings page's "Limits" card: how many tasks run at once, how long a hook may run, and how much
// operation history is kept.
import { create } from "@bufbuild/protobuf";
import { CairnSettingsSchema } from "@gen/v1/config_pb";
import { Field } from "../../components/Field";
import { HistoryLimits } from "./HistoryLimits";
import { IntInput } from "./IntInput";
import { settingsOf, type DraftSectionProps } from "./settingsForm";

export function LimitsEditor(props: DraftSectionProps) {
  const { draft, errors, edit } = props;
  const s = draft.cairn ?? create(CairnSettingsSchema, {});

  return (
    <>
      <div className="grid-2">
        <Field
          label="Parallel tasks"
          error={errors["cairn.maxParallelTasks"]}
          hint="Tasks of different repositories that may run at once (one repository's tasks always run one at a time). Empty or 0: the default, 2."
        >
          <IntInput
            value={s.maxParallelTasks}
            blankZero
            min={0}
            max={64}
            placeholder="2"
            onChange={(n) =>
              edit((d) => {
                settingsOf(d).maxParallelTasks = n;
              })
            }
          />
        </Field>
        <Field
          label="Hook timeout (seconds)"
          error={errors["cairn.hookTimeoutSeconds"]}
          hint="How long a hook command may run before it is stopped. Empty or 0: the default, 3600 (one hour)."
        >
          <IntInput
            value={s.hookTimeoutSeconds}
            blankZero
            min={0}
            placeholder="3600"
            onChange={(n) =>
              edit((d) => {
                settingsOf(d).hookTimeoutSeconds = n;
              })
            }
          />
        </Field>
      </div>

      <HistoryLimits {...props} limits={s.historyLimits} />
    </>
  );
}
