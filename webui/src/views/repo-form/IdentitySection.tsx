// The repository form's "Identity" section: the repository's name (fixed once saved), auto unlock and
// sharing with paired instances.
import { Field } from "../../components/Field";
import { Check, FormSection } from "../../components/FormKit";
import { useTranslation } from "../../i18n";
import type { RepoSectionProps } from "./sectionProps";

export function IdentitySection(props: RepoSectionProps & { editing: boolean }) {
  const { repo, errors, patch, editing } = props;
  const { t } = useTranslation("repos");
  return (
    <FormSection title={t("identity.title")}>
      <Field label={t("identity.name")} error={errors.id} hint={editing ? t("identity.nameFixed") : t("identity.nameHint")}>
        <input
          type="text"
          value={repo.id}
          readOnly={editing}
          autoComplete="off"
          spellCheck={false}
          translate="no"
          placeholder="my-backups"
          onChange={(e) => patch({ id: e.target.value })}
        />
      </Field>
      <div className="checks-row">
        <Check
          label={t("identity.autoUnlock")}
          checked={repo.autoUnlock}
          onChange={(autoUnlock) => patch({ autoUnlock })}
          hint={t("identity.autoUnlockHint")}
        />
        <Check
          label={t("identity.shared")}
          checked={repo.shared}
          onChange={(shared) => patch({ shared })}
          hint={t("identity.sharedHint")}
        />
      </div>
    </FormSection>
  );
}
