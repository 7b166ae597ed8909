// The repository form's "Identity" section: the repository's name (fixed once saved), auto unlock and
// sharing with paired instances.
import { Field } from "../../components/Field";
import { Check, FormSection } from "../../components/FormKit";
import type { RepoSectionProps } from "./sectionProps";

export function IdentitySection(props: RepoSectionProps & { editing: boolean }) {
  const { repo, errors, patch, editing } = props;
  return (
    <FormSection title="Identity">
      <Field
        label="Repository name"
        error={errors.id}
        hint={editing ? "The name cannot be changed." : "Letters, digits, '_', '-' and '.'; plans refer to the repository by it."}
      >
        <input
          type="text"
          value={repo.id}
          readOnly={editing}
          autoComplete="off"
          spellCheck={false}
          placeholder="my-backups"
          onChange={(e) => patch({ id: e.target.value })}
        />
      </Field>
      <div className="checks-row">
        <Check
          label="Auto unlock"
          checked={repo.autoUnlock}
          onChange={(autoUnlock) => patch({ autoUnlock })}
          hint="Remove stale locks before each operation. Only safe when no other machine uses the repository."
        />
        <Check
          label="Shared"
          checked={repo.shared}
          onChange={(shared) => patch({ shared })}
          hint="Push this repository to paired instances allowed to receive shared repositories."
        />
      </div>
    </FormSection>
  );
}
