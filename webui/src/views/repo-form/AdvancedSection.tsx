// The repository form's "Advanced" section: the IO and CPU priority restic runs at (ionice and nice).
import { create } from "@bufbuild/protobuf";
import { CommandPrefixSchema, CommandPrefix_CPUNiceLevel, CommandPrefix_IONiceLevel } from "@gen/v1/config_pb";
import { Field } from "../../components/Field";
import { FormSection } from "../../components/FormKit";
import { useTranslation } from "../../i18n";
import type { RepoSectionProps } from "./sectionProps";

export function AdvancedSection({ repo, errors, patch }: RepoSectionProps) {
  const { t } = useTranslation("repos");
  const prefix = repo.commandPrefix ?? create(CommandPrefixSchema);
  return (
    <FormSection title={t("advanced.title")} hint={t("advanced.hint", { ionice: "ionice", nice: "nice" })}>
      <div className="grid-2">
        <Field label={t("advanced.io")} error={errors["commandPrefix.ioNice"]}>
          <select
            value={prefix.ioNice}
            onChange={(e) => patch({ commandPrefix: { ...prefix, ioNice: Number(e.target.value) as CommandPrefix_IONiceLevel } })}
          >
            <option value={CommandPrefix_IONiceLevel.IO_DEFAULT}>{t("advanced.default")}</option>
            <option value={CommandPrefix_IONiceLevel.IO_BEST_EFFORT_HIGH}>{t("advanced.bestEffortHigh")}</option>
            <option value={CommandPrefix_IONiceLevel.IO_BEST_EFFORT_LOW}>{t("advanced.bestEffortLow")}</option>
            <option value={CommandPrefix_IONiceLevel.IO_IDLE}>{t("advanced.idle")}</option>
          </select>
        </Field>
        <Field label={t("advanced.cpu")} error={errors["commandPrefix.cpuNice"]}>
          <select
            value={prefix.cpuNice}
            onChange={(e) => patch({ commandPrefix: { ...prefix, cpuNice: Number(e.target.value) as CommandPrefix_CPUNiceLevel } })}
          >
            <option value={CommandPrefix_CPUNiceLevel.CPU_DEFAULT}>{t("advanced.default")}</option>
            <option value={CommandPrefix_CPUNiceLevel.CPU_HIGH}>{t("advanced.high")}</option>
            <option value={CommandPrefix_CPUNiceLevel.CPU_LOW}>{t("advanced.low")}</option>
          </select>
        </Field>
      </div>
    </FormSection>
  );
}
