// The repository form's policy sections: when to prune and how much unused space to leave, when to
// check and how much data to read, and the optional forget policy that replaces the plans' retention.
import { create } from "@bufbuild/protobuf";
import { CheckPolicySchema, ForgetPolicySchema, PrunePolicySchema, type CheckPolicy } from "@gen/v1/config_pb";
import { errorsUnder } from "../../api/errors";
import { Field } from "../../components/Field";
import { FormSection, NumberInput } from "../../components/FormKit";
import { RetentionEditor, defaultRetention } from "../../components/RetentionEditor";
import { ScheduleEditor } from "../../components/ScheduleEditor";
import { useTranslation } from "../../i18n";
import { scheduleEnabled } from "../../lib/formErrors";
import { MAX_ROTATION_PARTS } from "./prepareRepo";
import type { RepoSectionProps } from "./sectionProps";

export function PrunePolicySection({ repo, errors, patch }: RepoSectionProps) {
  const { t } = useTranslation("repos");
  const prune = repo.prunePolicy ?? create(PrunePolicySchema);
  return (
    <FormSection title={t("policies.pruneTitle")} hint={t("policies.pruneHint")}>
      <ScheduleEditor
        label={t("policies.pruneSchedule")}
        value={prune.schedule}
        errors={errorsUnder(errors, "prunePolicy")}
        onChange={(schedule) => patch({ prunePolicy: { ...prune, schedule } })}
      />
      <Field label={t("policies.maxUnused")} error={errors["prunePolicy.maxUnusedPercent"]} hint={t("policies.maxUnusedHint")}>
        <NumberInput
          value={prune.maxUnusedPercent}
          min={0}
          max={100}
          step="any"
          onChange={(maxUnusedPercent) => patch({ prunePolicy: { ...prune, maxUnusedPercent } })}
        />
      </Field>
    </FormSection>
  );
}

/** What each check reads besides the structure: nothing, a share of the data, or the next of N parts. */
type ReadMode = "structure" | "share" | "rotation";

function readModeOf(check: CheckPolicy): ReadMode {
  if (check.mode.case === "readDataRotation") return "rotation";
  return check.mode.case === "readDataSubsetPercent" && check.mode.value > 0 ? "share" : "structure";
}

function modeFor(read: ReadMode, check: CheckPolicy): CheckPolicy["mode"] {
  if (read === "share") {
    const pct = check.mode.case === "readDataSubsetPercent" && check.mode.value > 0 ? check.mode.value : 10;
    return { case: "readDataSubsetPercent", value: pct };
  }
  if (read === "rotation") return { case: "readDataRotation", value: check.mode.case === "readDataRotation" ? check.mode.value : 12 };
  return { case: "structureOnly", value: true };
}

export function CheckPolicySection({ repo, errors, patch }: RepoSectionProps) {
  const { t } = useTranslation("repos");
  const check = repo.checkPolicy ?? create(CheckPolicySchema);
  const read = readModeOf(check);
  const setMode = (mode: CheckPolicy["mode"]) => patch({ checkPolicy: { ...check, mode } });
  return (
    <FormSection title={t("policies.checkTitle")} hint={t("policies.checkHint")}>
      <ScheduleEditor
        label={t("policies.checkSchedule")}
        value={check.schedule}
        errors={errorsUnder(errors, "checkPolicy")}
        onChange={(schedule) => patch({ checkPolicy: { ...check, schedule } })}
      />
      <Field label={t("policies.readMode")} hint={t(`policies.readModeHint.${read}`)}>
        <select value={read} onChange={(e) => setMode(modeFor(e.target.value as ReadMode, check))}>
          <option value="structure">{t("policies.readModes.structure")}</option>
          <option value="share">{t("policies.readModes.share")}</option>
          <option value="rotation">{t("policies.readModes.rotation")}</option>
        </select>
      </Field>
      {check.mode.case === "readDataSubsetPercent" && read === "share" && (
        <Field label={t("policies.readData")} error={errors["checkPolicy.readDataSubsetPercent"]} hint={t("policies.readDataHint")}>
          <NumberInput
            value={check.mode.value}
            min={0}
            max={100}
            step="any"
            onChange={(value) => setMode({ case: "readDataSubsetPercent", value })}
          />
        </Field>
      )}
      {check.mode.case === "readDataRotation" && (
        <Field label={t("policies.rotationParts")} error={errors["checkPolicy.readDataRotation"]} hint={t("policies.rotationHint")}>
          <NumberInput
            value={check.mode.value}
            min={2}
            max={MAX_ROTATION_PARTS}
            onChange={(value) => setMode({ case: "readDataRotation", value: Math.round(value) })}
          />
        </Field>
      )}
    </FormSection>
  );
}

export function ForgetPolicySection({ repo, errors, patch }: RepoSectionProps) {
  const { t } = useTranslation("repos");
  const forget = repo.forgetPolicy ?? create(ForgetPolicySchema);
  return (
    <FormSection title={t("policies.forgetTitle")} hint={t("policies.forgetHint")}>
      <ScheduleEditor
        label={t("policies.forgetSchedule")}
        value={forget.schedule}
        errors={errorsUnder(errors, "forgetPolicy")}
        onChange={(schedule) =>
          patch({
            forgetPolicy: {
              ...forget,
              schedule,
              retention: forget.retention ?? (scheduleEnabled(schedule) ? defaultRetention() : undefined),
            },
          })
        }
      />
      {scheduleEnabled(forget.schedule) && (
        <RetentionEditor
          value={forget.retention}
          errors={errorsUnder(errors, "forgetPolicy")}
          onChange={(retention) => patch({ forgetPolicy: { ...forget, retention } })}
        />
      )}
    </FormSection>
  );
}
