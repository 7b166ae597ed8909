// What "Test connection" reports, from CheckRepoExists's answer: an untrusted host key, an error, or
// whether saving will import, keep using or create the repository.
import type { CheckRepoExistsResponse } from "@gen/v1/service_pb";
import { i18n } from "../../i18n";

export type TestResult = { tone: "info" | "error"; text: string };

export function describeTest(r: CheckRepoExistsResponse, editing: boolean): TestResult {
  if (r.hostKeyUntrusted) {
    const text = i18n.t("repos:test.hostKeyUntrusted", { file: "known_hosts" });
    return { tone: "error", text: r.error ? `${text}\n${r.error}` : text };
  }
  if (r.error) return { tone: "error", text: r.error };
  if (r.exists) {
    return { tone: "info", text: i18n.t(editing ? "repos:test.foundEditing" : "repos:test.foundNew") };
  }
  return { tone: "info", text: i18n.t(editing ? "repos:test.noneEditing" : "repos:test.noneNew") };
}
