// The languages the UI is translated into: each one's code (its catalogue folder under locales/), its own
// name for the picker, and the locale its dates and numbers are written in when the browser names none.
export type Language = { code: string; name: string; intl: string };

export const LANGUAGES: readonly Language[] = [
  { code: "en", name: "English", intl: "en-US" },
  { code: "zh", name: "中文（简体）", intl: "zh-CN" },
  { code: "hi", name: "हिन्दी", intl: "hi-IN" },
];

/** The catalogue for a BCP 47 tag such as "zh-TW" or "en-GB": the first language whose code is its first part. */
export function catalogueFor(tag: string): Language | undefined {
  const part = tag.toLowerCase().split("-")[0];
  return LANGUAGES.find((l) => l.code === part);
}

/**
 * The locale dates and numbers follow for a language: the browser's own variant of it when it has one
 * (an en-GB browser writes 03/12/2026 in English), else the language's default.
 */
export function intlLocaleFor(code: string, browser: readonly string[]): string {
  const lang = LANGUAGES.find((l) => l.code === code);
  if (!lang) return code;
  const own = browser.find((tag) => catalogueFor(tag)?.code === code && tag.includes("-"));
  return own ?? lang.intl;
}

/** The language to start in: the one remembered in this browser, else the browser's first translated one, else English. */
export function initialLanguage(remembered: string | null, browser: readonly string[]): string {
  if (remembered && LANGUAGES.some((l) => l.code === remembered)) return remembered;
  for (const tag of browser) {
    const lang = catalogueFor(tag);
    if (lang) return lang.code;
  }
  return "en";
}
