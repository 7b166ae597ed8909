// The UI's language, chosen per browser: switched and remembered at once, apart from the settings saved to
// the server. Settings shows it as a labelled field; the sign-in pages as a small select of its own.
import { Field, useFieldId } from "./Field";
import { LANGUAGES, setLanguage, useTranslation } from "../i18n";
import { catalogueFor } from "../i18n/languages";

function LanguageSelect(props: { label?: string }) {
  const { i18n } = useTranslation();
  const id = useFieldId();
  const current = catalogueFor(i18n.language)?.code ?? "en";
  return (
    <select id={id} value={current} aria-label={props.label} onChange={(e) => setLanguage(e.target.value)}>
      {LANGUAGES.map((l) => (
        <option key={l.code} value={l.code} lang={l.code} translate="no">
          {l.name}
        </option>
      ))}
    </select>
  );
}

export function LanguagePicker(props: { compact?: boolean }) {
  const { t } = useTranslation();
  if (props.compact) return <LanguageSelect label={t("language")} />;
  return (
    <Field label={t("language")} hint={t("languageHint")}>
      <LanguageSelect />
    </Field>
  );
}
