// What "Test connection" reports, from CheckRepoExists's answer: an untrusted host key, an error, or
// whether saving will import, keep using or create the repository.
import type { CheckRepoExistsResponse } from "@gen/v1/service_pb";

export type TestResult = { tone: "info" | "error"; text: string };

export function describeTest(r: CheckRepoExistsResponse, editing: boolean): TestResult {
  if (r.hostKeyUntrusted) {
    return {
      tone: "error",
      text:
        "The server's SSH host key is not trusted yet. Use “Set up SSH key” under Connection to trust it (or add it to " +
        `the known_hosts of the user cairn runs as), then test again.${r.error ? `\n${r.error}` : ""}`,
    };
  }
  if (r.error) return { tone: "error", text: r.error };
  if (r.exists) {
    return {
      tone: "info",
      text: editing
        ? "The repository was found: saving keeps using it."
        : "An existing repository was found: saving will import it and index its snapshots.",
    };
  }
  return {
    tone: "info",
    text: editing
      ? "No repository there: saving will create a new, empty one at this URI."
      : "No repository there yet: saving will create one.",
  };
}
