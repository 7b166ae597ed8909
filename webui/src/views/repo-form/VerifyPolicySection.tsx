// The repository form's verify policy (cairn's own): when to restore a random sample of files and
// compare every byte with what the snapshot recorded, how big the sample is (a number of files or a
// share of one snapshot's bytes), and whether to compare unchanged live files too.
import { create } from "@bufbuild/protobuf";
import { VerifyPolicySchema, type VerifyPolicy } from "@gen/v1/config_pb";
import { errorsUnder } from "../../api/errors";
import { Field } from "../../components/Field";
import { FormSection, NumberInput } from "../../components/FormKit";
import { ScheduleEditor } from "../../components/ScheduleEditor";
import { useTranslation } from "../../i18n";
import type { RepoSectionProps } from "./sectionProps";

/** The most files one verification restores (the server's limit too). */
export const MAX_VERIFY_FILES = 1000;

/** Files drawn when the policy names no sample (the server's default too). */
export const DEFAULT_VERIFY_FILES = 20;

type SampleMode = "files" | "bytes";

function sampleFor(mode: SampleMode, policy: VerifyPolicy): VerifyPolicy["sample"] {
  if (mode === "bytes") return { case: "bytesPercent", value: policy.sample.case === "bytesPercent" ? policy.sample.value : 1 };
  return { case: "files", value: policy.sample.case === "files" ? policy.sample.value : DEFAULT_VERIFY_FILES };
}

export function VerifyPolicySection({ repo, errors, patch }: RepoSectionProps) {
  const { t } = useTranslation("repos");
  const policy = repo.verifyPolicy ?? create(VerifyPolicySchema);
  const set = (next: Partial<VerifyPolicy>) => patch({ verifyPolicy: { ...policy, ...next } });
  const mode: SampleMode = policy.sample.case === "bytesPercent" ? "bytes" : "files";
  return (
    <FormSection title={t("policies.verifyTitle")} hint={t("policies.verifyHint")}>
      <ScheduleEditor
        label={t("policies.verifySchedule")}
        value={policy.schedule}
        errors={errorsUnder(errors, "verifyPolicy")}
        onChange={(schedule) => set({ schedule })}
      />
      <Field label={t("policies.verifySample")}>
        <select value={mode} onChange={(e) => set({ sample: sampleFor(e.target.value as SampleMode, policy) })}>
          <option value="files">{t("policies.verifySamples.files")}</option>
          <option value="bytes">{t("policies.verifySamples.bytes")}</option>
        </select>
      </Field>
      {mode === "files" ? (
        <Field label={t("policies.verifyFiles")} error={errors["verifyPolicy.files"]} hint={t("policies.verifyFilesHint")}>
          <NumberInput
            value={policy.sample.case === "files" ? policy.sample.value : DEFAULT_VERIFY_FILES}
            min={1}
            max={MAX_VERIFY_FILES}
            onChange={(value) => set({ sample: { case: "files", value: Math.round(value) } })}
          />
        </Field>
      ) : (
        <Field label={t("policies.verifyBytes")} error={errors["verifyPolicy.bytesPercent"]} hint={t("policies.verifyBytesHint")}>
          <NumberInput
            value={policy.sample.case === "bytesPercent" ? policy.sample.value : 1}
            min={0}
            max={100}
            step="any"
            onChange={(value) => set({ sample: { case: "bytesPercent", value } })}
          />
        </Field>
      )}
      <label>
        <input type="checkbox" checked={!policy.skipLive} onChange={(e) => set({ skipLive: !e.target.checked })} />{" "}
        {t("policies.verifyLive")}
      </label>
    </FormSection>
  );
}
