// The repository as the form sends it (trimmed, blank lines dropped, sorted as the server sorts) and
// the checks the form makes before sending it.
import type { Config, Repo } from "@gen/v1/config_pb";
import type { FieldErrors } from "../../api/errors";
import { cleanHooks } from "../../components/hooks/hookValues";
import { i18n } from "../../i18n";
import { cleanLines, flagErrors, newIdError, scheduleEnabled, sortLikeServer } from "../../lib/formErrors";
import { hasPasswordSource } from "../repoUri";
import { MAX_VERIFY_FILES } from "./VerifyPolicySection";

export function normalizeRepo(r: Repo): Repo {
  const forget = r.forgetPolicy;
  const verify = r.verifyPolicy;
  return {
    ...r,
    id: r.id.trim(),
    uri: r.uri.trim(),
    env: sortLikeServer(cleanLines(r.env)),
    flags: cleanLines(r.flags),
    engine: r.engine === "auto" ? "" : r.engine,
    // A forget policy that was never switched on is left out rather than saved disabled.
    forgetPolicy: forget && !scheduleEnabled(forget.schedule) && !forget.retention ? undefined : forget,
    // Likewise a verify policy that was never scheduled.
    verifyPolicy: verify && !scheduleEnabled(verify.schedule) ? undefined : verify,
    hooks: cleanHooks(r.hooks),
  };
}

/** The form's own errors for `r`, keyed as the server keys them below the repository. */
export function validateRepo(r: Repo, editing: boolean, config: Config): FieldErrors {
  const e: FieldErrors = {};
  const taken = config.repos.map((x) => x.id);
  const idErr = editing ? undefined : newIdError("repository", r.id, taken);
  if (idErr) e.id = idErr;
  if (!r.uri) e.uri = i18n.t("repos:errors.uriRequired", { path: "/mnt/backup", sftp: "sftp:user@host:/srv/restic" });
  if (!hasPasswordSource(r)) {
    e.password = i18n.t("repos:errors.passwordRequired", {
      file: "RESTIC_PASSWORD_FILE",
      command: "RESTIC_PASSWORD_COMMAND",
      flag: "--insecure-no-password",
    });
  }
  r.env.forEach((line, i) => {
    if (!line.includes("=") || line.startsWith("=")) e[`env[${i}]`] = i18n.t("repos:errors.envLine", { line, form: "KEY=VALUE" });
  });
  Object.assign(e, flagErrors("flags", r.flags));
  Object.assign(e, policyErrors(r));
  return e;
}

/** The most parts a rotating check may split the data into (the server's limit too). */
export const MAX_ROTATION_PARTS = 1000;

/** Percentages of the prune and check policies, the rotating check's parts and the verify sample, out of range. */
function policyErrors(r: Repo): FieldErrors {
  const e: FieldErrors = {};
  const unused = r.prunePolicy?.maxUnusedPercent ?? 0;
  if (unused < 0 || unused > 100) e["prunePolicy.maxUnusedPercent"] = i18n.t("repos:errors.percent");
  const mode = r.checkPolicy?.mode;
  if (mode?.case === "readDataSubsetPercent" && (mode.value < 0 || mode.value > 100)) {
    e["checkPolicy.readDataSubsetPercent"] = i18n.t("repos:errors.percent");
  }
  if (mode?.case === "readDataRotation" && (mode.value < 2 || mode.value > MAX_ROTATION_PARTS)) {
    e["checkPolicy.readDataRotation"] = i18n.t("repos:errors.rotationParts", { max: MAX_ROTATION_PARTS });
  }
  const sample = r.verifyPolicy?.sample;
  if (sample?.case === "files" && (sample.value < 1 || sample.value > MAX_VERIFY_FILES)) {
    e["verifyPolicy.files"] = i18n.t("repos:errors.verifyFiles", { max: MAX_VERIFY_FILES });
  }
  if (sample?.case === "bytesPercent" && (sample.value <= 0 || sample.value > 100)) {
    e["verifyPolicy.bytesPercent"] = i18n.t("repos:errors.verifyBytes");
  }
  return e;
}
