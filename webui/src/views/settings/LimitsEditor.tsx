// The settings page's "Limits" card: how many tasks run at once, how long a hook may run, and how much
// operation history is kept.
import { create } from "@bufbuild/protobuf";
import { CairnSettingsSchema } from "@gen/v1/config_pb";
import { Field } from "../../components/Field";
import { useTranslation } from "../../i18n";
import { HistoryLimits } from "./HistoryLimits";
import { IntInput } from "./IntInput";
import { settingsOf, type DraftSectionProps } from "./settingsForm";

export function LimitsEditor(props: DraftSectionProps) {
  const { t } = useTranslation("settings");
  const { draft, errors, edit } = props;
  const s = draft.cairn ?? create(CairnSettingsSchema, {});

  return (
    <>
      <div className="grid-2">
        <Field label={t("limits.parallel")} error={errors["cairn.maxParallelTasks"]} hint={t("limits.parallelHint")}>
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
        <Field label={t("limits.hookTimeout")} error={errors["cairn.hookTimeoutSeconds"]} hint={t("limits.hookTimeoutHint")}>
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
