import { describe, expect, it } from "vitest";
import { catalogueFor, initialLanguage, intlLocaleFor } from "./languages";

describe("choosing the language", () => {
  it("starts in the remembered language, else the browser's first translated one, else English", () => {
    expect(initialLanguage("hi", ["zh-CN"])).toBe("hi");
    expect(initialLanguage("fr", ["fr-FR", "zh-TW", "en"])).toBe("zh");
    expect(initialLanguage(null, ["de", "en-GB"])).toBe("en");
    expect(initialLanguage(null, ["pt-BR"])).toBe("en");
    expect(initialLanguage(null, [])).toBe("en");
  });

  it("finds the catalogue for any variant of a language", () => {
    expect(catalogueFor("ZH-hant-TW")?.code).toBe("zh");
    expect(catalogueFor("hi")?.code).toBe("hi");
    expect(catalogueFor("fil")).toBeUndefined();
  });

  it("writes dates and numbers in the browser's own variant of the language when it has one", () => {
    expect(intlLocaleFor("en", ["en-GB", "en-US"])).toBe("en-GB");
    expect(intlLocaleFor("en", ["zh-CN", "en"])).toBe("en-US");
    expect(intlLocaleFor("zh", ["zh-TW"])).toBe("zh-TW");
    expect(intlLocaleFor("hi", ["en-IN"])).toBe("hi-IN");
  });
});
