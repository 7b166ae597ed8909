// What the repository form knows about restic's storage backends: the scheme of a URI with help and an
// example for each, the environment each usually needs, SFTP targets and their ssh options, and
// repository passwords.
import type { Repo } from "@gen/v1/config_pb";

export interface Backend {
  scheme: string;
  name: string;
  text: string;
  example: string;
  envExample?: string;
}

export const BACKENDS: Backend[] = [
  {
    scheme: "local",
    name: "Local directory",
    text: "a directory on this machine, a mounted disk or a network share.",
    example: "/mnt/backup/restic",
  },
  {
    scheme: "rest",
    name: "REST server",
    text: "a restic rest-server (or a compatible service) over HTTP or HTTPS.",
    example: "rest:https://user:password@backup.example.com:8000/my-repo",
  },
  {
    scheme: "sftp",
    name: "SFTP",
    text: "a directory on another machine over SSH; for another port write sftp://user@host:2222//srv/restic.",
    example: "sftp:user@backup.example.com:/srv/restic",
  },
  {
    scheme: "s3",
    name: "Amazon S3 or compatible",
    text: "S3, MinIO, Wasabi, ...; write s3:https://host:port/bucket/path for a server other than AWS. The access keys go under Environment.",
    example: "s3:s3.us-east-1.amazonaws.com/my-bucket/restic",
    envExample: "AWS_ACCESS_KEY_ID=...\nAWS_SECRET_ACCESS_KEY=...",
  },
  {
    scheme: "b2",
    name: "Backblaze B2",
    text: "a B2 bucket and a path in it. The account id and key go under Environment.",
    example: "b2:my-bucket:restic",
    envExample: "B2_ACCOUNT_ID=...\nB2_ACCOUNT_KEY=...",
  },
  {
    scheme: "azure",
    name: "Azure Blob Storage",
    text: "a container and a path in it. The account name and key (or SAS) go under Environment.",
    example: "azure:my-container:/restic",
    envExample: "AZURE_ACCOUNT_NAME=...\nAZURE_ACCOUNT_KEY=...",
  },
  {
    scheme: "gs",
    name: "Google Cloud Storage",
    text: "a bucket and a path in it. The credentials go under Environment.",
    example: "gs:my-bucket:/restic",
    envExample: "GOOGLE_PROJECT_ID=...\nGOOGLE_APPLICATION_CREDENTIALS=/path/to/key.json",
  },
  {
    scheme: "rclone",
    name: "rclone remote",
    text: "any storage rclone reaches, through a remote set up with `rclone config` for the user cairn runs as.",
    example: "rclone:my-remote:restic",
  },
];

const KNOWN = new Set(BACKENDS.map((b) => b.scheme).concat("swift"));

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
  const warn = (what: string) => `This storage usually needs ${what} under Environment (unless cairn's own environment sets them).`;
  switch (scheme) {
    case "s3":
      return all("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY") || any("AWS_SHARED_CREDENTIALS_FILE")
        ? null
        : warn("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_SHARED_CREDENTIALS_FILE,");
    case "b2":
      return all("B2_ACCOUNT_ID", "B2_ACCOUNT_KEY") ? null : warn("B2_ACCOUNT_ID and B2_ACCOUNT_KEY");
    case "azure":
      return all("AZURE_ACCOUNT_NAME") && any("AZURE_ACCOUNT_KEY", "AZURE_ACCOUNT_SAS")
        ? null
        : warn("AZURE_ACCOUNT_NAME with AZURE_ACCOUNT_KEY or AZURE_ACCOUNT_SAS");
    case "gs":
      return all("GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_PROJECT_ID") || any("GOOGLE_ACCESS_TOKEN")
        ? null
        : warn("GOOGLE_APPLICATION_CREDENTIALS and GOOGLE_PROJECT_ID, or GOOGLE_ACCESS_TOKEN,");
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
