// The repository form's policy sections: when to prune and how much unused space to leave, when to
// check and how much data to read, and the optional forget policy that replaces the plans' retention.
import { create } from "@bufbuild/protobuf";
import { CheckPolicySchema, ForgetPolicySchema, PrunePolicySchema } from "@gen/v1/config_pb";
import { errorsUnder } from "../../api/errors";
import { Field } from "../../components/Field";
import { FormSection, NumberInput } from "../../components/FormKit";
import { RetentionEditor, defaultRetention } from "../../components/RetentionEditor";
import { ScheduleEditor } from "../../components/ScheduleEditor";
import { scheduleEnabled } from "../../lib/formErrors";
import type { RepoSectionProps } from "./sectionProps";

export function PrunePolicySection({ repo, errors, patch }: RepoSectionProps) {
  const prune = repo.prunePolicy ?? create(PrunePolicySchema);
  return (
    <FormSection
      title="Prune policy"
      hint="Prune frees the space of forgotten snapshots. It is scheduled only once a backup has run since the last prune."
    >
      <ScheduleEditor
        label="Prune schedule"
        value={prune.schedule}
        errors={errorsUnder(errors, "prunePolicy")}
        onChange={(schedule) => patch({ prunePolicy: { ...prune, schedule } })}
      />
      <Field
        label="Max unused %"
        error={errors["prunePolicy.maxUnusedPercent"]}
        hint="Prune repacks data until at most this share of the repository is unused: higher is faster and keeps more space."
      >
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

export function CheckPolicySection({ repo, errors, patch }: RepoSectionProps) {
  const check = repo.checkPolicy ?? create(CheckPolicySchema);
  const readPercent = check.mode.case === "readDataSubsetPercent" ? check.mode.value : 0;
  return (
    <FormSection
      title="Check policy"
      hint="Check verifies the repository's integrity. It is scheduled only once a backup has run since the last check."
    >
      <ScheduleEditor
        label="Check schedule"
        value={check.schedule}
        errors={errorsUnder(errors, "checkPolicy")}
        onChange={(schedule) => patch({ checkPolicy: { ...check, schedule } })}
      />
      <Field
        label="Read data %"
        error={errors["checkPolicy.readDataSubsetPercent"]}
        hint="0 checks the structure only. Above 0 also reads and verifies that share of the data: slow, and it downloads it from remote storage."
      >
        <NumberInput
          value={readPercent}
          min={0}
          max={100}
          step="any"
          onChange={(pct) =>
            patch({
              checkPolicy: {
                ...check,
                mode: pct > 0 ? { case: "readDataSubsetPercent", value: pct } : { case: "structureOnly", value: true },
              },
            })
          }
        />
      </Field>
    </FormSection>
  );
}

export function ForgetPolicySection({ repo, errors, patch }: RepoSectionProps) {
  const forget = repo.forgetPolicy ?? create(ForgetPolicySchema);
  return (
    <FormSection
      title="Forget policy"
      hint="Optional. On a schedule, the repository forgets snapshots by this policy (for each plan, by its tags) and the plans' own retention is not used."
    >
      <ScheduleEditor
        label="Forget schedule"
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
