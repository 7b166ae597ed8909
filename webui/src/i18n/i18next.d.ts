// Types the translation keys: `t("…")` must name a key of the English catalogue, in the namespace used.
import "i18next";
import type { en } from "./resources";

declare module "i18next" {
  interface CustomTypeOptions {
    defaultNS: "common";
    resources: typeof en;
  }
}
