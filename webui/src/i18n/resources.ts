// Every message catalogue, bundled: a language's namespaces (one per area of the UI) keyed by namespace.
// English is the source; the other catalogues hold the same keys (see catalogues.test.ts).
import enCommon from "./locales/en/common.json";
import enShell from "./locales/en/shell.json";
import enActivity from "./locales/en/activity.json";
import enOperations from "./locales/en/operations.json";
import enPlans from "./locales/en/plans.json";
import enRepos from "./locales/en/repos.json";
import enSnapshots from "./locales/en/snapshots.json";
import enSettings from "./locales/en/settings.json";
import enFleet from "./locales/en/fleet.json";
import zhCommon from "./locales/zh/common.json";
import zhShell from "./locales/zh/shell.json";
import zhActivity from "./locales/zh/activity.json";
import zhOperations from "./locales/zh/operations.json";
import zhPlans from "./locales/zh/plans.json";
import zhRepos from "./locales/zh/repos.json";
import zhSnapshots from "./locales/zh/snapshots.json";
import zhSettings from "./locales/zh/settings.json";
import zhFleet from "./locales/zh/fleet.json";
import hiCommon from "./locales/hi/common.json";
import hiShell from "./locales/hi/shell.json";
import hiActivity from "./locales/hi/activity.json";
import hiOperations from "./locales/hi/operations.json";
import hiPlans from "./locales/hi/plans.json";
import hiRepos from "./locales/hi/repos.json";
import hiSnapshots from "./locales/hi/snapshots.json";
import hiSettings from "./locales/hi/settings.json";
import hiFleet from "./locales/hi/fleet.json";

export const en = {
  common: enCommon,
  shell: enShell,
  activity: enActivity,
  operations: enOperations,
  plans: enPlans,
  repos: enRepos,
  snapshots: enSnapshots,
  settings: enSettings,
  fleet: enFleet,
};

export type Catalogue = { [ns in keyof typeof en]: Record<string, unknown> };

export const catalogues: Record<string, Catalogue> = {
  en,
  zh: {
    common: zhCommon,
    shell: zhShell,
    activity: zhActivity,
    operations: zhOperations,
    plans: zhPlans,
    repos: zhRepos,
    snapshots: zhSnapshots,
    settings: zhSettings,
    fleet: zhFleet,
  },
  hi: {
    common: hiCommon,
    shell: hiShell,
    activity: hiActivity,
    operations: hiOperations,
    plans: hiPlans,
    repos: hiRepos,
    snapshots: hiSnapshots,
    settings: hiSettings,
    fleet: hiFleet,
  },
};
