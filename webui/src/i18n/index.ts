// The UI's translations: i18next, started synchronously on import with every catalogue bundled, in the
// language remembered in this browser (localStorage) or else the browser's own. Components take their
// strings from `useTranslation(namespace)`; plain functions from `i18n.t`. `<html lang>` follows the choice.
import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import { catalogues } from "./resources";
import { initialLanguage, intlLocaleFor, LANGUAGES } from "./languages";

const KEY = "cairn.language";

function remembered(): string | null {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

function browserLanguages(): readonly string[] {
  return typeof navigator === "undefined" ? [] : navigator.languages;
}

function markDocument(code: string) {
  if (typeof document !== "undefined") document.documentElement.lang = code;
}

void i18n.use(initReactI18next).init({
  resources: catalogues,
  lng: initialLanguage(remembered(), browserLanguages()),
  fallbackLng: "en",
  supportedLngs: false,
  defaultNS: "common",
  ns: Object.keys(catalogues.en),
  interpolation: { escapeValue: false },
  returnEmptyString: false,
  initAsync: false,
  react: { useSuspense: false },
  showSupportNotice: false,
});
markDocument(i18n.language);
i18n.on("languageChanged", markDocument);

/** Switches the UI's language and remembers the choice in this browser. */
export function setLanguage(code: string): void {
  try {
    localStorage.setItem(KEY, code);
  } catch {
    // A browser refusing storage still switches, for this page's life.
  }
  void i18n.changeLanguage(code);
}

/** The locale dates and numbers are written in, for the language shown now. */
export function intlLocale(): string {
  return intlLocaleFor(i18n.language, browserLanguages());
}

export { i18n, LANGUAGES };
export { useTranslation, Trans } from "react-i18next";
