// The repository form's "Advanced" section: the IO and CPU priority restic runs at (ionice and nice).
import { create } from "@bufbuild/protobuf";
import { CommandPrefixSchema, CommandPrefix_CPUNiceLevel, CommandPrefix_IONiceLevel } from "@gen/v1/config_pb";
import { Field } from "../../components/Field";
import { FormSection } from "../../components/FormKit";
import type { RepoSectionProps } from "./sectionProps";

export function AdvancedSection({ repo, errors, patch }: RepoSectionProps) {
  const prefix = repo.commandPrefix ?? create(CommandPrefixSchema);
  return (
    <FormSection title="Advanced" hint="Runs restic through ionice and nice (Linux), so backups disturb other work less.">
      <div className="grid-2">
        <Field label="IO priority" error={errors["commandPrefix.ioNice"]}>
          <select
            value={prefix.ioNice}
            onChange={(e) => patch({ commandPrefix: { ...prefix, ioNice: Number(e.target.value) as CommandPrefix_IONiceLevel } })}
          >
            <option value={CommandPrefix_IONiceLevel.IO_DEFAULT}>Default</option>
            <option value={CommandPrefix_IONiceLevel.IO_BEST_EFFORT_HIGH}>Best effort, high</option>
            <option value={CommandPrefix_IONiceLevel.IO_BEST_EFFORT_LOW}>Best effort, low</option>
            <option value={CommandPrefix_IONiceLevel.IO_IDLE}>Idle (only when the disk is free)</option>
          </select>
        </Field>
        <Field label="CPU priority" error={errors["commandPrefix.cpuNice"]}>
          <select
            value={prefix.cpuNice}
            onChange={(e) => patch({ commandPrefix: { ...prefix, cpuNice: Number(e.target.value) as CommandPrefix_CPUNiceLevel } })}
          >
            <option value={CommandPrefix_CPUNiceLevel.CPU_DEFAULT}>Default</option>
            <option value={CommandPrefix_CPUNiceLevel.CPU_HIGH}>High</option>
            <option value={CommandPrefix_CPUNiceLevel.CPU_LOW}>Low</option>
          </select>
        </Field>
      </div>
    </FormSection>
  );
}
