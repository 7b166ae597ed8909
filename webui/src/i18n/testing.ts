// For tests: a pseudo-language whose every catalogue string is wrapped in ⟦ ⟧ and whose dates and numbers
// are written as Chinese ones (no Latin letters), and a scan of rendered DOM for visible text outside those
// marks: any Latin letter left there is a string that did not come from a catalogue.
import { i18n } from "./index";
import { en } from "./resources";

const PSEUDO = "zh-x-pseudo";

/** Wraps each text run of a message in marks, leaving `<1>`-style tags (Trans) between them. */
function wrap(message: string): string {
  return message
    .split(/(<[^>]+>)/)
    .map((part) => (part.startsWith("<") || part.trim() === "" ? part : `⟦${part}⟧`))
    .join("");
}

function wrapAll(value: unknown): unknown {
  if (typeof value === "string") return wrap(value);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, wrapAll(v)]));
  return value;
}

/** Switches the UI to the pseudo-language (adding it on first use). */
export async function usePseudoLanguage(): Promise<void> {
  for (const [ns, messages] of Object.entries(en)) {
    if (!i18n.hasResourceBundle(PSEUDO, ns)) i18n.addResourceBundle(PSEUDO, ns, wrapAll(messages) as object);
  }
  await i18n.changeLanguage(PSEUDO);
}

const ATTRIBUTES = ["placeholder", "title", "aria-label", "alt"];
const LATIN = /[A-Za-z]/;

function strip(text: string, data: readonly string[]): string {
  let rest = text;
  for (let prev = ""; prev !== rest;) {
    prev = rest;
    rest = rest.replace(/⟦[^⟦⟧]*⟧/g, "");
  }
  for (const d of data) rest = rest.split(d).join("");
  return rest;
}

function skipped(el: Element | null): boolean {
  return el === null || el.closest("[translate='no'], [data-server-text], script, style") !== null;
}

/**
 * Every visible text (text nodes, and the placeholder, title, aria-label, alt and button values of
 * elements) under `root` that holds a Latin letter outside catalogue marks, once the given data values
 * (names and paths the test put in, longest first) are taken out. Elements marked translate="no" hold
 * data, not UI text, and those marked data-server-text hold text the server wrote: both are skipped.
 */
export function untranslated(root: Element, data: readonly string[] = []): string[] {
  const values = [...new Set(data.filter((d) => d !== ""))].sort((a, b) => b.length - a.length);
  const found: string[] = [];
  const check = (text: string | null | undefined) => {
    if (text && LATIN.test(strip(text, values))) found.push(text);
  };
  const walker = root.ownerDocument.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!skipped(n.parentElement)) check(n.nodeValue);
  }
  for (const el of [root, ...root.querySelectorAll("*")]) {
    if (skipped(el)) continue;
    for (const a of ATTRIBUTES) check(el.getAttribute(a));
    if (el instanceof HTMLInputElement && ["button", "submit", "reset"].includes(el.type)) check(el.value);
  }
  return found;
}

/** Every string inside the given values (config messages, responses), to pass to `untranslated` as data. */
export function dataStrings(...values: unknown[]): string[] {
  const out: string[] = [];
  const visit = (v: unknown) => {
    if (typeof v === "string") out.push(v);
    else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) if (k !== "$typeName") visit(x);
  };
  values.forEach(visit);
  return out;
}
