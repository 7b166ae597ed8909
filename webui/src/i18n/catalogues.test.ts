import { describe, expect, it } from "vitest";
import { catalogues, en } from "./resources";
import { LANGUAGES } from "./languages";

// Latin words a translation may keep as they are (names of products, protocols, units), listed in kept/*.txt.
const KEPT = new Set(
  Object.values(import.meta.glob<string>("./kept/*.txt", { query: "?raw", import: "default", eager: true }))
    .flatMap((text) => text.split("\n").filter((line) => !line.startsWith("#")))
    .flatMap((line) => line.split(/\s+/))
    .filter(Boolean),
);

type Flat = Map<string, string>;

function flatten(value: unknown, prefix = "", out: Flat = new Map()): Flat {
  if (typeof value === "string") out.set(prefix, value);
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  return out;
}

const PLURAL = /_(zero|one|two|few|many|other)$/;

/** A key's base without its plural suffix, with the plural categories the language needs for it. */
function expectedKeys(source: Flat, lang: string): Set<string> {
  const categories = new Intl.PluralRules(lang).resolvedOptions().pluralCategories;
  const keys = new Set<string>();
  for (const key of source.keys()) {
    if (PLURAL.test(key)) for (const c of categories) keys.add(key.replace(PLURAL, `_${c}`));
    else keys.add(key);
  }
  return keys;
}

const placeholders = (s: string) => [...s.matchAll(/\{\{\s*([\w.]+)[^}]*\}\}|<\/?(\w+)\/?>/g)].map((m) => m[0].replace(/\s/g, "")).sort();

function sourceFor(key: string, source: Flat): string {
  return source.get(key) ?? source.get(key.replace(PLURAL, "_other")) ?? "";
}

describe("message catalogues", () => {
  const namespaces = Object.keys(en) as (keyof typeof en)[];

  for (const { code } of LANGUAGES.filter((l) => l.code !== "en")) {
    describe(code, () => {
      for (const ns of namespaces) {
        const source = flatten(en[ns]);
        const target = flatten(catalogues[code]?.[ns]);

        it(`${ns}: has every English key in the language's plural forms, and no other`, () => {
          const want = [...expectedKeys(source, code)].sort();
          expect([...target.keys()].sort()).toEqual(want);
        });

        it(`${ns}: keeps every placeholder and tag, and translates every word but kept names`, () => {
          const wrong: string[] = [];
          for (const [key, text] of target) {
            const have = new Set(placeholders(text));
            const want = new Set(placeholders(sourceFor(key, source)));
            const missing = [...want].filter((x) => !have.has(x) && x !== "{{count}}");
            const extra = [...have].filter((x) => !want.has(x));
            if (missing.length || extra.length) wrong.push(`${key}: placeholders ${[...missing, ...extra].join(" ")}`);
            const words = text.replace(/\{\{[^}]*\}\}|<[^>]+>/g, " ").match(/[A-Za-z][A-Za-z0-9]*/g) ?? [];
            const untranslated = words.filter((w) => !KEPT.has(w));
            if (untranslated.length) wrong.push(`${key}: ${untranslated.join(" ")}`);
          }
          expect(wrong).toEqual([]);
        });
      }
    });
  }

  it("English has no empty message", () => {
    for (const ns of namespaces) for (const [key, text] of flatten(en[ns])) expect(text.trim(), `${ns}:${key}`).not.toBe("");
  });
});
