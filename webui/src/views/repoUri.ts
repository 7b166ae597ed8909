// What the repository form knows about restic's storage backends: the scheme of a URI with help and an
// example for each, the environment each usually needs, SFTP targets and their ssh options, and
// repository passwords.
import type { Repo } from "@gen/v1/config_pb";
import { i18n } from "../i18n";

/** The storage kinds the form explains; each has its name and text under `repos:backends.<scheme>`. */
export type BackendScheme = "local" | "rest" | "sftp" | "s3" | "b2" | "azure" | "gs" | "rclone";

export interface Backend {
  scheme: BackendScheme;
  example: string;
  envExample?: string;
}

export const BACKENDS: Backend[] = [
  { scheme: "local", example: "/mnt/backup/restic" },
  { scheme: "rest", example: "rest:https://user:password@backup.example.com:8000/my-repo" },
  { scheme: "sftp", example: "sftp:user@backup.example.com:/srv/restic" },
  {
    scheme: "s3",
    example: "s3:s3.us-east-1.amazonaws.com/my-bucket/restic",
    envExample: "AWS_ACCESS_KEY_ID=...\nAWS_SECRET_ACCESS_KEY=...",
  },
  { scheme: "b2", example: "b2:my-bucket:restic", envExample: "B2_ACCOUNT_ID=...\nB2_ACCOUNT_KEY=..." },
  { scheme: "azure", example: "azure:my-container:/restic", envExample: "AZURE_ACCOUNT_NAME=...\nAZURE_ACCOUNT_KEY=..." },
  {
    scheme: "gs",
    example: "gs:my-bucket:/restic",
    envExample: "GOOGLE_PROJECT_ID=...\nGOOGLE_APPLICATION_CREDENTIALS=/path/to/key.json",
  },
  { scheme: "rclone", example: "rclone:my-remote:restic" },
];

/** The backend's name, in the language shown now. */
export function backendName(b: Backend): string {
  return i18n.t(`repos:backends.${b.scheme}.name`);
}

// The commands and URIs a backend's text names are passed in, not written in the translated sentence.
const TEXTS: Record<BackendScheme, () => string> = {
  local: () => i18n.t("repos:backends.local.text"),
  rest: () => i18n.t("repos:backends.rest.text", { program: "rest-server" }),
  sftp: () => i18n.t("repos:backends.sftp.text", { example: "sftp://user@host:2222//srv/restic" }),
  s3: () => i18n.t("repos:backends.s3.text", { example: "s3:https://host:port/bucket/path" }),
  b2: () => i18n.t("repos:backends.b2.text"),
  azure: () => i18n.t("repos:backends.azure.text"),
  gs: () => i18n.t("repos:backends.gs.text"),
  rclone: () => i18n.t("repos:backends.rclone.text", { command: "`rclone config`" }),
};

/** What the backend's URI points at, in the language shown now. */
export function backendText(b: Backend): string {
  return TEXTS[b.scheme]();
}

const KNOWN = new Set<string>([...BACKENDS.map((b) => b.scheme), "swift"]);

/** The URI's backend: "local" for a path, the scheme before ':', or null for an empty URI. */
export function schemeOf(uri: string): string | null {
  const u = uri.trim();
  if (!u) return null;
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(u);
  // "C:\..." is a Windows path, not a scheme.
  if (!m || (m[1].length === 1 && /^[A-Za-z]:[\\/]/.test(u))) return "local";
  const s = m[1].toLowerCase();
  return KNOWN.has(s) ? s : m[1];
}

function envNames(env: string[]): Set<string> {
  return new Set(env.map((l) => l.split("=")[0].trim()).filter(Boolean));
}

/**
 * What the environment of a repository with this scheme usually lacks, as Backrest checks it (cairn's
 * own environment may provide the variables, so it is a warning, not an error).
 */
export function envWarning(scheme: string | null, env: string[]): string | null {
  const have = envNames(env);
  const all = (...names: string[]) => names.every((n) => have.has(n));
  const any = (...names: string[]) => names.some((n) => have.has(n));
  switch (scheme) {
    case "s3":
      return all("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY") || any("AWS_SHARED_CREDENTIALS_FILE")
        ? null
        : i18n.t("repos:envWarning.s3", { id: "AWS_ACCESS_KEY_ID", secret: "AWS_SECRET_ACCESS_KEY", file: "AWS_SHARED_CREDENTIALS_FILE" });
    case "b2":
      return all("B2_ACCOUNT_ID", "B2_ACCOUNT_KEY") ? null : i18n.t("repos:envWarning.b2", { id: "B2_ACCOUNT_ID", key: "B2_ACCOUNT_KEY" });
    case "azure":
      return all("AZURE_ACCOUNT_NAME") && any("AZURE_ACCOUNT_KEY", "AZURE_ACCOUNT_SAS")
        ? null
        : i18n.t("repos:envWarning.azure", { name: "AZURE_ACCOUNT_NAME", key: "AZURE_ACCOUNT_KEY", sas: "AZURE_ACCOUNT_SAS" });
    case "gs":
      return all("GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_PROJECT_ID") || any("GOOGLE_ACCESS_TOKEN")
        ? null
        : i18n.t("repos:envWarning.gs", {
            credentials: "GOOGLE_APPLICATION_CREDENTIALS",
            project: "GOOGLE_PROJECT_ID",
            token: "GOOGLE_ACCESS_TOKEN",
          });
    default:
      return null;
  }
}

/** True if restic has some way to get the repository's password. */
export function hasPasswordSource(r: Pick<Repo, "password" | "env" | "flags">): boolean {
  if (r.password) return true;
  const have = envNames(r.env);
  if (["RESTIC_PASSWORD", "RESTIC_PASSWORD_FILE", "RESTIC_PASSWORD_COMMAND"].some((n) => have.has(n))) return true;
  return r.flags.some((f) => f.trim().startsWith("--insecure-no-password"));
}

export interface SftpTarget {
  user: string;
  host: string;
  /** The port the URI names, if any. */
  port?: string;
}

/** The user, host and port of `sftp:user@host:/path` or `sftp://user@host:port//path`. */
export function parseSftpUri(uri: string): SftpTarget | null {
  const u = uri.trim();
  const url = /^sftp:\/\/(?:([^@/]+)@)?(\[[^\]]+\]|[^:/@]+)(?::(\d+))?(?:\/|$)/.exec(u);
  if (url) return { user: url[1] ?? "", host: url[2], port: url[3] };
  const short = /^sftp:(?:([^@/:]+)@)?(\[[^\]]+\]|[^:/@]+):/.exec(u);
  if (short) return { user: short[1] ?? "", host: short[2] };
  return null;
}

/** The restic option that makes ssh use cairn's key and known_hosts (and a port the URI cannot carry). */
export function sftpArgsFlag(keyPath: string, knownHostsPath: string, port: string | null): string {
  const args = ["-oBatchMode=yes", `-i "${keyPath}"`];
  if (port && port.trim() !== "22") args.push(`-p ${port.trim()}`);
  args.push(`-oUserKnownHostsFile="${knownHostsPath}"`);
  return `--option=sftp.args='${args.join(" ")}'`;
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A random password of `length` letters and digits, without modulo bias. */
export function generatePassword(length = 48): string {
  const limit = 256 - (256 % ALPHABET.length);
  let out = "";
  while (out.length < length) {
    for (const b of crypto.getRandomValues(new Uint8Array(64))) {
      if (b < limit && out.length < length) out += ALPHABET[b % ALPHABET.length];
    }
  }
  return out;
}
