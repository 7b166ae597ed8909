// What the end-to-end tests stand on: a real `cairn serve` (the binary cargo built) in a scratch
// folder with its own HOME, config and data, listening on a free loopback port; and Debian's chromium
// driven by playwright-core.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type Browser } from "playwright-core";

export const SCREENSHOTS = resolve(import.meta.dirname, "screenshots");

export interface Cairn {
  base: string;
  dir: string;
  configPath: string;
  process: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => (a && typeof a === "object" ? ok(a.port) : fail(new Error("no port"))));
    });
  });
}

/** The cairn binary: $CAIRN_BIN, else the workspace's debug build. */
export function cairnBinary(): string {
  const bin = process.env.CAIRN_BIN ?? resolve(import.meta.dirname, "../../target/debug/cairn");
  if (!existsSync(bin)) throw new Error(`no cairn binary at ${bin}: run \`cargo build -p cairn\` first, or set CAIRN_BIN`);
  return bin;
}

/**
 * Starts cairn on `port` (a free one when not given), with a fresh config unless `config` is given,
 * and `env` added to its environment.
 */
export async function startCairn(opts: { port?: number; config?: unknown; env?: Record<string, string> } = {}): Promise<Cairn> {
  const dir = mkdtempSync(join(tmpdir(), "cairn-e2e-"));
  const home = join(dir, "home");
  mkdirSync(home);
  const configPath = join(dir, "config.json");
  if (opts.config !== undefined) writeFileSync(configPath, JSON.stringify(opts.config, null, 2));
  const port = opts.port ?? (await freePort());
  const base = `http://127.0.0.1:${port}/`;
  let log = "";
  const child = spawn(cairnBinary(), ["serve", "--config", configPath, "--data-dir", join(dir, "data"), "--bind", `127.0.0.1:${port}`], {
    env: { ...process.env, HOME: home, RUST_LOG: "info", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`cairn serve exited (${child.exitCode}):\n${log}`);
    try {
      const r = await fetch(`${base}healthz`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`cairn serve did not come up:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    base,
    dir,
    configPath,
    process: child,
    output: () => log,
    stop: () =>
      new Promise<void>((ok) => {
        if (child.exitCode !== null) return ok();
        child.once("exit", () => ok());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 20_000);
      }),
  };
}

/** Headless Debian chromium, as root without a sandbox, with no background traffic. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
      ...extraArgs,
    ],
  });
}

/** A small tree to back up: a text file, a nested file and some binary data. */
export function makeSource(dir: string): string {
  const src = join(dir, "src");
  mkdirSync(join(src, "sub"), { recursive: true });
  writeFileSync(join(src, "a.txt"), "alpha: the first file\n");
  writeFileSync(join(src, "sub", "b.txt"), "bravo\n".repeat(1000));
  const bytes = Buffer.alloc(2 * 1024 * 1024);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 251;
  writeFileSync(join(src, "sub", "data.bin"), bytes);
  return src;
}
