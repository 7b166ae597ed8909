// The settings page's state: the draft (following the server's config as it is reloaded), the errors
// of a refused save (each shown while what it names is unchanged), whether the config changed
// elsewhere, and the save, reload and discard actions.
import { useCallback, useState } from "react";
import { clone } from "@bufbuild/protobuf";
import { ConfigSchema, type Config } from "@gen/v1/config_pb";
import { notify } from "../../components/Toasts";
import { useTranslation } from "../../i18n";
import { useReportedErrors } from "../../lib/reportedErrors";
import { isStaleModno, normalizeConfig, splitSaveError } from "../../lib/settingsDraft";
import { useConfig } from "../../state/config";
import { follow, fresh, type SettingsForm } from "./settingsForm";

export function useSettingsForm() {
  const { t } = useTranslation("settings");
  const { config, error: loadError, reload, save } = useConfig();
  const [form, setForm] = useState<SettingsForm | null>(() => (config ? fresh(config) : null));
  const [seen, setSeen] = useState<Config | null>(config);
  const { errors: fieldErrors, report } = useReportedErrors(form?.draft);
  const [otherErrors, setOtherErrors] = useState<string[]>([]);
  const [stale, setStale] = useState(false);
  const [saving, setSaving] = useState(false);

  // Follow the server's config as it is reloaded (window focus, token calls, saves elsewhere).
  if (config && config !== seen) {
    setSeen(config);
    setForm((f) => follow(f, config));
  }

  const edit = useCallback((fn: (d: Config) => void) => {
    setForm((f) => {
      if (!f) return f;
      const draft = clone(ConfigSchema, f.draft);
      fn(draft);
      return { base: f.base, draft };
    });
  }, []);

  /** Starts over from `c`, the server's config. */
  const restart = (c: Config) => {
    setForm(fresh(c));
    report({}, undefined);
    setOtherErrors([]);
    setStale(false);
  };

  const reloadConfig = async () => {
    const c = await reload();
    if (c) restart(c);
    else notify(t("page.reloadFailed"), "err");
  };

  const saveDraft = async (draft: Config) => {
    setSaving(true);
    try {
      restart(await save(normalizeConfig(draft)));
      notify(t("page.saved"));
    } catch (e) {
      if (isStaleModno(e)) {
        setStale(true);
        setOtherErrors([]);
      } else {
        const { fields, other } = splitSaveError(e);
        report(fields, draft);
        setOtherErrors(other);
      }
    } finally {
      setSaving(false);
    }
  };

  const discard = (base: Config) => setForm(fresh(base));

  return { config, loadError, reload, form, fieldErrors, otherErrors, stale, saving, edit, reloadConfig, saveDraft, discard };
}
