// The repository form's state and what its buttons do: Save goes through AddRepo (which creates the
// repository, or imports one that exists, or updates it), Test connection through CheckRepoExists, and
// Delete through RemoveRepo (which keeps the repository's data).
import { useState } from "react";
import type { Config, Repo } from "@gen/v1/config_pb";
import { backrest } from "../../api/client";
import { errorMessage } from "../../api/errors";
import { notify } from "../../components/Toasts";
import { i18n } from "../../i18n";
import { LOCAL_ERRORS_BANNER, currentBanner, mapServerErrors, type MappedErrors } from "../../lib/formErrors";
import { same, useReportedErrors } from "../../lib/reportedErrors";
import { useConfig } from "../../state/config";
import { describeTest, type TestResult } from "./connectionTest";
import { normalizeRepo, validateRepo } from "./prepareRepo";

/** Relative error keys the form shows on a field; the server's other errors go to the banner. */
const DISPLAYED = [
  /^id$/,
  /^uri$/,
  /^password$/,
  /^env(\[\d+\])?$/,
  /^flags(\[\d+\])?$/,
  /^engine$/,
  /^prunePolicy\.schedule(\..+)?$/,
  /^prunePolicy\.maxUnusedPercent$/,
  /^checkPolicy\.schedule(\..+)?$/,
  /^checkPolicy\.readDataSubsetPercent$/,
  /^checkPolicy\.readDataRotation$/,
  /^forgetPolicy\.schedule(\..+)?$/,
  /^forgetPolicy\.retention(\..+)?$/,
  /^hooks\[\d+\](\..+)?$/,
  /^commandPrefix\.(ioNice|cpuNice)$/,
];

/** The call under way, if any. */
export type Busy = "save" | "test" | "delete" | null;

/** AddRepo validates the config with this repository in place (or appended) and may also name it `repo`. */
function mapSaveError(e: unknown, config: Config, id: string): MappedErrors {
  const at = config.repos.findIndex((r) => r.id === id);
  const index = at >= 0 ? at : config.repos.length;
  return mapServerErrors(e, [`repos[${index}]`, "repo"], DISPLAYED);
}

export function useRepoForm(props: {
  config: Config;
  initial: Repo;
  editing: boolean;
  onClose: () => void;
  onSaved?: (repoId: string) => void;
}) {
  const { config, editing } = props;
  const { replace } = useConfig();
  const [initial] = useState(props.initial);
  const [repo, setRepo] = useState<Repo>(initial);
  const { errors, report } = useReportedErrors(repo);
  const [banner, setBanner] = useState<string | null>(null);
  const [test, setTest] = useState<TestResult | null>(null);
  const [busy, setBusy] = useState<Busy>(null);

  const patch = (p: Partial<Repo>) => setRepo((r) => ({ ...r, ...p }));

  /** The repository to send, or null after marking what is wrong (a test needs no valid name). */
  const prepare = (forTest = false): Repo | null => {
    const candidate = normalizeRepo(repo);
    setRepo(candidate);
    const local = validateRepo(candidate, editing, config);
    if (forTest) delete local.id;
    report(local, candidate);
    if (Object.keys(local).length > 0) {
      setBanner(LOCAL_ERRORS_BANNER);
      return null;
    }
    setBanner(null);
    return candidate;
  };

  const save = async () => {
    const candidate = prepare();
    if (!candidate) return;
    setBusy("save");
    try {
      replace(await backrest.addRepo({ repo: candidate }));
      notify(i18n.t(editing ? "repos:repoForm.saved" : "repos:repoForm.added", { id: candidate.id }));
      props.onSaved?.(candidate.id);
      props.onClose();
    } catch (e) {
      const mapped = mapSaveError(e, config, candidate.id);
      report(mapped.fields, candidate);
      setBanner(mapped.banner);
    } finally {
      setBusy(null);
    }
  };

  const testConnection = async () => {
    const candidate = prepare(true);
    if (!candidate) return;
    setBusy("test");
    setTest(null);
    try {
      setTest(describeTest(await backrest.checkRepoExists({ repo: candidate }), editing));
    } catch (e) {
      setTest({ tone: "error", text: errorMessage(e) });
    } finally {
      setBusy(null);
    }
  };

  const remove = async () => {
    setBusy("delete");
    try {
      replace(await backrest.removeRepo({ repoId: repo.id }));
      notify(i18n.t("repos:repoForm.deleted", { id: repo.id }));
      props.onClose();
    } catch (e) {
      setBanner(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };

  return {
    repo,
    patch,
    errors,
    banner: currentBanner(banner, errors),
    dirty: !same(repo, initial),
    test,
    busy,
    save,
    testConnection,
    remove,
  };
}
