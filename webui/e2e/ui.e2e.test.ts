// The web UI end to end, as a new user would use it: first-run setup, login, a repository and a plan added
// through the forms, a backup followed live to success, the snapshot browsed, a file restored and compared,
// two ticked entries restored in one operation, two snapshots compared and a file's history listed, a file
// found by name across snapshots, an archive downloaded, a hook added and seen running, a schedule edited,
// a server validation error shown on its field, a running backup cancelled, and two-factor authentication
// turned on from its QR code and used to log in (oathtool as the authenticator). Real cairn, real restic,
// real chromium. The main screens are then checked in Chinese and Hindi. Saves a screenshot of each main
// screen under e2e/screenshots/ (not committed).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, existsSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { randomFillSync } from "node:crypto";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { SCREENSHOTS, launchChromium, makeSource, startCairn, type Cairn } from "./support";

let cairn: Cairn;
let browser: Browser;
let page: Page;
let src: string;
const pageErrors: string[] = [];
const repoDir = () => join(cairn.dir, "repo");
const USER = "admin";
const PASSWORD = "correct horse battery";

async function shot(name: string) {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

function config(): {
  plans: { id: string; paths: string[]; schedule?: Record<string, unknown>; hooks?: unknown[]; mirrors?: unknown[] }[];
  repos: { id: string; flags?: string[]; verifyPolicy?: Record<string, unknown> }[];
} {
  return JSON.parse(readFileSync(cairn.configPath, "utf8"));
}

/** The main navigation (the sidebar). */
function nav() {
  return page.getByRole("navigation", { name: "Main" });
}

/** The tree row of the newest run (flows are listed newest first, below the "Upcoming" ones). */
function newestFlow() {
  return page.locator(".optree-flow").filter({ hasNotText: "pending" }).first();
}

/** Presses "Backup now" and returns the tree row of the run it started, once that row is there. */
async function backupNow() {
  await page.locator(".optree-list").waitFor();
  await page.getByText("Loading history…").waitFor({ state: "detached" });
  const before = (await newestFlow().count()) ? await newestFlow().getAttribute("data-flow-id") : null;
  await page.getByRole("button", { name: "Backup now" }).click();
  await expect
    .poll(async () => ((await newestFlow().count()) ? newestFlow().getAttribute("data-flow-id") : null), { timeout: 30_000 })
    .not.toBe(before);
  const id = await newestFlow().getAttribute("data-flow-id");
  return page.locator(`.optree-flow[data-flow-id="${id}"]`);
}

type Messages = { [key: string]: string | Messages };
const LOCALES = join(import.meta.dirname, "../src/i18n/locales");

/** A message of a language's catalogue, as the page has it: `ns:dotted.path`. */
function msg(lang: string, key: string): string {
  const [ns, path] = key.split(":");
  let v: string | Messages = JSON.parse(readFileSync(join(LOCALES, lang, `${ns}.json`), "utf8"));
  for (const part of path.split(".")) v = typeof v === "string" ? v : v[part];
  if (typeof v !== "string") throw new Error(`no message ${key} in ${lang}`);
  return v;
}

/** The Latin words a translation keeps (product, protocol and unit names), from src/i18n/kept/. */
function keptWords(): Set<string> {
  const dir = join(import.meta.dirname, "../src/i18n/kept");
  const words = readdirSync(dir).flatMap((f) =>
    readFileSync(join(dir, f), "utf8")
      .split("\n")
      .filter((l) => !l.startsWith("#"))
      .flatMap((l) => l.split(/\s+/)),
  );
  return new Set(words.filter(Boolean));
}

/** Opens Settings (its link named in the language shown now) and picks a language. */
async function pickLanguage(settingsLink: string, code: string) {
  await page.getByRole("link", { name: settingsLink, exact: true }).click();
  await page.locator("main h1").first().waitFor();
  await page
    .locator("select")
    .filter({ has: page.locator("option[value='zh']") })
    .selectOption(code);
  await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe(code);
}

/**
 * Visits every main screen (and each repository tab) in the language shown now and checks that its
 * heading is the catalogue's and that no visible text outside data (translate="no") holds a Latin word
 * that is neither data of this test (ids, paths, user, host) nor a kept name.
 */
async function expectTranslated(lang: string) {
  const allowed = new Set([
    ...keptWords(),
    ...(JSON.stringify(config()).match(/[A-Za-z][A-Za-z0-9]*/g) ?? []),
    ...IDENTIFIERS,
    USER,
    ...words(cairn.dir),
    ...words("restic snapshots --compact"),
    ...hostname().split(/\W+/),
  ]);
  const screens: [string, string][] = [
    ["#/", msg(lang, "activity:dashboard.title")],
    ["#/plan/docs", "docs"],
    ["#/repo/local", "local"],
    ["#/settings", msg(lang, "settings:page.title")],
  ];
  for (const [hash, heading] of screens) {
    await page.goto(`${cairn.base}${hash}`);
    await page.locator("main h1").first().waitFor();
    await page.getByRole("heading", { name: heading }).first().waitFor();
    await expectNoEnglish(`${lang} ${hash}`, allowed);
    await shot(`19-${lang}-${hash.split("/")[1] || "dashboard"}`);
    if (hash !== "#/repo/local") continue;
    for (const tab of await page.getByRole("tab").all()) {
      await tab.click();
      await page.waitForTimeout(300);
      await expectNoEnglish(`${lang} ${hash} tab ${await tab.textContent()}`, allowed);
    }
  }
}

/**
 * Latin words a translated page shows by design: names the UI writes into its messages as they are
 * (OpenID scopes, the files it names), and the day periods CLDR's Hindi dates use (am, pm).
 */
const IDENTIFIERS = ["openid", "profile", "email", "config", "json", "secrets", "key", "am", "pm"];

/** The words of a value this test put in (a path, a command), as data the page may show. */
function words(value: string): string[] {
  return value.match(/[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*/g) ?? [];
}

async function expectNoEnglish(where: string, allowed: Set<string>) {
  const texts = await page.evaluate(() => {
    const out: string[] = [];
    const root = document.getElementById("root");
    if (!root) return out;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || el.closest("[translate='no'], [data-server-text]") || !el.checkVisibility()) continue;
      if (/[A-Za-z]/.test(n.nodeValue ?? "")) out.push((n.nodeValue ?? "").trim());
    }
    for (const el of root.querySelectorAll("[placeholder], [title], [aria-label]")) {
      if (el.closest("[translate='no'], [data-server-text]")) continue;
      for (const a of ["placeholder", "title", "aria-label"]) {
        const v = el.getAttribute(a);
        if (v && /[A-Za-z]/.test(v)) out.push(v);
      }
    }
    return out;
  });
  const data = (w: string) => allowed.has(w) || /^[0-9a-f]{8,}$/.test(w);
  const english = texts.filter((text) => (text.match(/[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*/g) ?? []).some((w) => !data(w)));
  expect(english, `untranslated text on ${where}`).toEqual([]);
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  cairn = await startCairn();
  src = makeSource(cairn.dir);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
  page.setDefaultTimeout(30_000);
  // Anything the page reports as an error (a script error, a Content-Security-Policy refusal) fails
  // the run; refused API calls (a wrong password, a validation error) are expected and show as
  // failed resource loads, which are not counted.
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) pageErrors.push(m.text());
  });
  page.on("pageerror", (e) => pageErrors.push(String(e)));
});

// Each step builds on the one before: after a failure the rest are skipped, and the page as it was
// when the step failed is saved (with the server's output) to explain it.
let failed = false;
beforeEach((ctx) => {
  if (failed) ctx.skip();
});
afterEach(async (ctx) => {
  if (ctx.task.result?.state !== "fail") return;
  failed = true;
  await page.screenshot({ path: join(SCREENSHOTS, "FAILED.png"), fullPage: true }).catch(() => undefined);
  writeFileSync(join(SCREENSHOTS, "FAILED-server.log"), cairn.output());
});

afterAll(async () => {
  await browser?.close();
  await cairn?.stop();
});

describe("the web UI", () => {
  it("creates the first user on first run", async () => {
    await page.goto(cairn.base);
    await page.getByRole("heading", { name: "Welcome to cairn" }).waitFor();
    await shot("01-setup");
    await page.getByLabel("User name").fill(USER);
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    await page.getByLabel("Confirm password").fill(PASSWORD);
    await page.getByRole("button", { name: "Create user" }).click();
    await page.getByRole("heading", { name: "Getting started" }).waitFor();
    await shot("02-getting-started");
  });

  it("logs out, refuses a wrong password, and logs in", async () => {
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByRole("heading", { name: "Log in" }).waitFor();
    await page.getByLabel("User name").fill(USER);
    await page.getByLabel("Password").fill("wrong password");
    await page.getByRole("button", { name: "Log in" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toMatch(/invalid/i);
    await shot("03-login");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("heading", { name: "Getting started" }).waitFor();
  });

  it("adds a repository, testing the connection first", async () => {
    await nav().getByRole("button", { name: "+ Add repository" }).click();
    const dialog = page.getByRole("dialog", { name: "Add repository" });
    await dialog.getByLabel("Repository name").fill("local");
    await dialog.getByLabel("URI").fill(repoDir());
    await dialog.getByLabel("Password", { exact: true }).fill("repo password 123");
    await dialog.getByRole("button", { name: "Test connection" }).click();
    await dialog.getByText(/No repository there yet/).waitFor();
    await shot("04-add-repository");
    await dialog.getByRole("button", { name: "Save" }).click();
    await page.getByRole("heading", { name: "Repository local" }).waitFor();
    expect(existsSync(join(repoDir(), "config"))).toBe(true);
    expect(config().repos.map((r) => r.id)).toEqual(["local"]);
  });

  it("adds a plan backing up a folder", async () => {
    await nav().getByRole("button", { name: "+ Add plan" }).click();
    const dialog = page.getByRole("dialog", { name: "Add plan" });
    await dialog.getByLabel("Plan name").fill("docs");
    await dialog.getByLabel("Repository", { exact: true }).selectOption("local");
    await dialog.getByLabel("Path 1").fill(src);
    await shot("05-add-plan");
    await dialog.getByRole("button", { name: "Save" }).click();
    await page.getByRole("heading", { name: "Plan docs" }).waitFor();
    expect(config().plans.map((p) => p.id)).toEqual(["docs"]);
  });

  it("backs up now and follows the backup live to success", async () => {
    const flow = await backupNow();
    await flow.locator(".badge", { hasText: "success" }).waitFor({ timeout: 90_000 });
    await shot("06-plan-after-backup");
    const out = execFileSync("restic", ["-r", repoDir(), "snapshots", "--json"], {
      env: { ...process.env, RESTIC_PASSWORD: "repo password 123" },
    }).toString();
    const snaps = JSON.parse(out) as { tags: string[] }[];
    expect(snaps).toHaveLength(1);
    expect(snaps[0].tags).toContain("plan:docs");
  });

  it("browses the snapshot", async () => {
    await newestFlow().click();
    await page
      .locator(".optree-details")
      .getByRole("tab", { name: /Snapshot/ })
      .click();
    await page.getByRole("button", { name: "Browse files" }).click();
    const tree = page.getByRole("tree", { name: /Files of snapshot/ });
    await tree.getByRole("button", { name: `Expand ${src}` }).click();
    await tree.getByText("a.txt").waitFor();
    await tree.getByRole("button", { name: "Expand sub" }).click();
    await tree.getByText("data.bin").waitFor();
    await shot("07-snapshot-browser");
  });

  it("restores a file and the restored copy equals the original", async () => {
    const target = join(cairn.dir, "restored");
    await page.getByRole("button", { name: "Restore a.txt" }).click();
    const dialog = page.getByRole("dialog", { name: "Restore" });
    await dialog.getByLabel("Restore to").fill(target);
    await dialog.getByRole("button", { name: "Start restore" }).click();
    await dialog.getByText("Restored to").waitFor({ timeout: 60_000 });
    await shot("08-restore");
    expect(readFileSync(join(target, "a.txt"), "utf8")).toBe(readFileSync(join(src, "a.txt"), "utf8"));

    // The restored files download as a tar.gz archive holding the file.
    const download = page.waitForEvent("download");
    await dialog.getByRole("link", { name: /Download restored files/ }).click();
    const file = join(cairn.dir, "restore.tar.gz");
    await (await download).saveAs(file);
    const listing = execFileSync("tar", ["tzf", file]).toString();
    expect(listing).toMatch(/a\.txt/);
    await dialog.getByRole("button", { name: "Close" }).first().click();
  });

  it("restores a file in place over an edited copy, after a preview of what it writes", async () => {
    const file = join(src, "a.txt");
    const original = readFileSync(file, "utf8");
    writeFileSync(file, "edited since the backup\n");
    await page.getByRole("button", { name: "Restore a.txt" }).click();
    const dialog = page.getByRole("dialog", { name: "Restore" });
    await dialog.getByLabel("Back where it was (in place)").check();
    await dialog.getByLabel("Files that already exist").selectOption({ label: "Replace them where they differ" });
    await dialog.getByRole("button", { name: "Preview" }).click();
    await dialog.getByText("Preview: nothing was changed").waitFor({ timeout: 60_000 });
    await dialog.getByText(`+ "${file}"`).waitFor();
    await shot("08-restore-preview");
    expect(readFileSync(file, "utf8")).toBe("edited since the backup\n");
    await dialog.getByRole("button", { name: "Restore as previewed" }).click();
    await dialog.getByText(/^1 written, 0 kept as they were, 0 deleted\.$/).waitFor({ timeout: 60_000 });
    expect(readFileSync(file, "utf8")).toBe(original);
    await dialog.getByRole("button", { name: "Close" }).first().click();
  });

  it("restores two ticked entries in one operation", async () => {
    const tree = page.getByRole("tree", { name: /Files of snapshot/ });
    await tree.getByLabel("Select a.txt", { exact: true }).check();
    await tree.getByLabel("Select sub", { exact: true }).check();
    await page.getByRole("toolbar", { name: "Selected entries" }).getByRole("button", { name: "Restore selected" }).click();
    const dialog = page.getByRole("dialog", { name: "Restore" });
    const target = join(cairn.dir, "restored-several");
    await dialog.getByLabel("Restore to").fill(target);
    await dialog.getByRole("button", { name: "Start restore" }).click();
    await dialog.getByText("Restored to").waitFor({ timeout: 60_000 });
    expect(readFileSync(join(target, "a.txt"), "utf8")).toBe(readFileSync(join(src, "a.txt"), "utf8"));
    expect(readFileSync(join(target, "sub", "data.bin")).equals(readFileSync(join(src, "sub", "data.bin")))).toBe(true);
    await dialog.getByRole("button", { name: "Close" }).first().click();
    await page.getByRole("button", { name: "Clear selection" }).click();
  });

  it("downloads a folder of the snapshot as a zip archive", async () => {
    await page.getByRole("button", { name: "Download sub" }).click();
    const dialog = page.getByRole("dialog", { name: "Download" });
    const download = page.waitForEvent("download");
    await dialog.getByRole("link", { name: ".zip" }).click();
    const file = join(cairn.dir, "sub.zip");
    await (await download).saveAs(file);
    const head = readFileSync(file).subarray(0, 2).toString("latin1");
    expect(head).toBe("PK");
    await dialog.getByRole("button", { name: "Close" }).click();
  });

  it("adds a hook to the plan and sees it run with the next backup", async () => {
    const marker = join(cairn.dir, "hook-ran.txt");
    await page.getByRole("button", { name: "Edit plan" }).click();
    const dialog = page.getByRole("dialog", { name: "Edit plan docs" });
    await dialog.getByRole("button", { name: "Add hook" }).click();
    await dialog.getByLabel("Action").selectOption({ label: "Command" });
    await dialog.getByLabel("Snapshot start").check();
    await dialog.getByLabel("Command", { exact: true }).fill(`echo "hook says hello to {{ .Plan.Id }} $((6 * 7))"\necho ran > ${marker}`);
    await shot("09-hook-editor");
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(config().plans[0].hooks).toHaveLength(1);

    const flow = await backupNow();
    await flow.locator(".badge", { hasText: "success" }).waitFor({ timeout: 90_000 });
    expect(readFileSync(marker, "utf8").trim()).toBe("ran");
    await flow.click();
    await page.locator(".optree-details").getByRole("tab", { name: /Hook/ }).click();
    await page.locator(".optree-details").getByText("hook says hello to docs 42").waitFor();
    await shot("10-hook-run");
  });

  it("edits the schedule, previewing the next runs", async () => {
    await page.getByRole("button", { name: "Edit plan" }).click();
    const dialog = page.getByRole("dialog", { name: "Edit plan docs" });
    await dialog.getByLabel("Schedule", { exact: true }).selectOption({ label: "Every N hours" });
    await dialog.getByLabel("Hours").fill("6");
    await dialog.getByText("Next runs").waitFor();
    await shot("11-schedule-editor");
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(config().plans[0].schedule).toMatchObject({ maxFrequencyHours: 6 });
    await page.getByText("Every 6 hours").first().waitFor();
  });

  it("shows the server's validation error on the field it names", async () => {
    await page.getByRole("button", { name: "Edit plan" }).click();
    const dialog = page.getByRole("dialog", { name: "Edit plan docs" });
    await dialog.getByLabel("Hours").fill("0");
    await dialog.getByRole("button", { name: "Save" }).click();
    const field = dialog.locator(".field", { has: page.getByLabel("Hours") });
    await expect(field.getByRole("alert").textContent()).resolves.toMatch(/at least 1/);
    await shot("12-validation-error");
    expect(config().plans[0]).toMatchObject({ schedule: { maxFrequencyHours: 6 } });
    await dialog.getByRole("button", { name: "Close" }).click();
  });

  it("saves a value Backrest accepts and cairn advises against, with a warning naming it", async () => {
    const path = config().plans[0].paths[0];
    const edit = async (value: string) => {
      await page.getByRole("button", { name: "Edit plan" }).click();
      const dialog = page.getByRole("dialog", { name: "Edit plan docs" });
      await dialog.getByLabel("Path 1").fill(value);
      await dialog.getByRole("button", { name: "Save" }).click();
      await dialog.waitFor({ state: "detached" });
    };
    await edit("relative/folder");
    expect(config().plans[0].paths).toEqual(["relative/folder"]);
    const warnings = page.locator(".config-warnings");
    await warnings.getByText("plans[0].paths[0]").waitFor();
    await expect(warnings.textContent()).resolves.toMatch(/relative/);
    await shot("12b-config-warning");
    await edit(path);
    await warnings.waitFor({ state: "detached" });
  });

  it("follows a running backup's progress and cancels it", async () => {
    // Slow uploads down so the backup is still running when it is cancelled.
    await nav().getByRole("link", { name: "local" }).click();
    await page.getByRole("button", { name: "Edit repository" }).click();
    const dialog = page.getByRole("dialog", { name: "Edit repository local" });
    await dialog.getByLabel("Flags").fill("--limit-upload=100");
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(config().repos[0].flags).toEqual(["--limit-upload=100"]);
    const big = Buffer.alloc(40 * 1024 * 1024);
    randomFillSync(big);
    writeFileSync(join(src, "big.bin"), big);

    await nav().getByRole("link", { name: "docs" }).click();
    await page.getByRole("heading", { name: "Plan docs" }).waitFor();
    const flow = await backupNow();
    await flow.locator(".badge", { hasText: "running" }).waitFor({ timeout: 60_000 });
    await flow.getByRole("progressbar").waitFor({ timeout: 60_000 });
    await shot("13-backup-running");
    await flow.click();
    await page.locator(".optree-details").getByRole("button", { name: "Cancel" }).click();
    await page.getByRole("dialog", { name: "Cancel this operation?" }).getByRole("button", { name: "Cancel operation" }).click();
    await flow.locator(".badge", { hasText: "cancelled" }).waitFor({ timeout: 60_000 });
  });

  it("runs a dry run and a repository check from their buttons", async () => {
    await page.getByRole("button", { name: "Dry run" }).click();
    const flow = newestFlow();
    await flow.getByText("Dry run").waitFor({ timeout: 60_000 });
    await flow.locator(".badge", { hasText: "success" }).waitFor({ timeout: 90_000 });
    await nav().getByRole("link", { name: "local" }).click();
    await page.getByRole("button", { name: "Check", exact: true }).click();
    const check = page.locator(".optree-flow").filter({ hasText: "Check" }).filter({ hasNotText: "pending" }).first();
    await check.locator(".badge", { hasText: "success" }).waitFor({ timeout: 90_000 });
  });

  it("schedules restore verification in the repository's form and verifies from its button", async () => {
    await page.getByRole("button", { name: "Edit repository" }).click();
    const dialog = page.getByRole("dialog", { name: "Edit repository local" });
    await dialog.getByLabel("Verify schedule").selectOption("days");
    await dialog.getByLabel("Files per run").fill("5");
    await dialog.getByRole("button", { name: "Save" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(config().repos[0].verifyPolicy).toMatchObject({ schedule: { maxFrequencyDays: 1 }, files: 5 });
    await page.getByRole("button", { name: "Verify", exact: true }).click();
    const verify = page.locator(".optree-flow").filter({ hasText: "Verify" }).filter({ hasNotText: "pending" }).first();
    await verify.locator(".badge", { hasText: "success" }).waitFor({ timeout: 90_000 });
    await verify.click();
    await page.getByText("Every sampled byte matched the snapshot.").waitFor();
    await shot("13-repo-verified");
  });

  it("mirrors the plan to a second repository: the next backup copies its snapshot there", async () => {
    // The big file of the cancelled backup would take minutes at the upload limit set for that test.
    await page.getByRole("button", { name: "Edit repository" }).click();
    const local = page.getByRole("dialog", { name: "Edit repository local" });
    await local.getByLabel("Flags").fill("");
    await local.getByRole("button", { name: "Save" }).click();
    await local.waitFor({ state: "detached" });
    await nav().getByRole("button", { name: "+ Add repository" }).click();
    const add = page.getByRole("dialog", { name: "Add repository" });
    await add.getByLabel("Repository name").fill("offsite");
    await add.getByLabel("URI").fill(join(cairn.dir, "offsite"));
    await add.getByLabel("Password", { exact: true }).fill("offsite password 123");
    await add.getByRole("button", { name: "Save" }).click();
    await page.getByRole("heading", { name: "Repository offsite" }).waitFor();
    await nav().getByRole("link", { name: "docs" }).click();
    await page.getByRole("button", { name: "Edit plan" }).click();
    const form = page.getByRole("dialog", { name: "Edit plan docs" });
    await form.getByRole("button", { name: "Add a mirror" }).click();
    await form.getByRole("group", { name: "Mirror 1" }).getByLabel("Mirror repository").selectOption("offsite");
    await form.getByRole("button", { name: "Save" }).click();
    await form.waitFor({ state: "detached" });
    expect(config().plans[0].mirrors).toEqual([{ repo: "offsite" }]);
    const flow = await backupNow();
    await flow.locator(".badge", { hasText: "success" }).waitFor({ timeout: 90_000 });
    await nav().getByRole("link", { name: "Dashboard" }).click();
    const card = page.getByRole("region", { name: "Plan docs" });
    await card.getByRole("listitem").filter({ hasText: "offsite" }).filter({ hasText: "success" }).waitFor({ timeout: 60_000 });
    expect(existsSync(join(cairn.dir, "offsite", "snapshots"))).toBe(true);
    await shot("13-plan-mirrored");
    await nav().getByRole("link", { name: "local" }).click();
  });

  it("adds a user and changes a limit in settings, and the new user can log in", async () => {
    await nav().getByRole("link", { name: "Settings" }).click();
    await page.getByRole("heading", { name: "Settings" }).waitFor();
    await page.getByRole("button", { name: "Add user" }).click();
    const dialog = page.getByRole("dialog", { name: "Add user" });
    await dialog.getByLabel("User name").fill("second");
    await dialog.getByLabel("Password").fill("another long password");
    await dialog.getByRole("button", { name: "Add", exact: true }).click();
    await dialog.waitFor({ state: "detached" });
    await page.getByLabel("Parallel tasks").fill("3");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByText("No unsaved changes").waitFor();
    const saved = JSON.parse(readFileSync(cairn.configPath, "utf8")) as {
      auth: { users: { name: string; passwordBcrypt?: string }[] };
      cairn: { maxParallelTasks: number };
    };
    expect(saved.auth.users.map((u) => u.name)).toEqual([USER, "second"]);
    // Stored as Backrest stores it (base64 of a bcrypt string), so Backrest logs this user in too.
    expect(Buffer.from(saved.auth.users[1].passwordBcrypt ?? "", "base64").toString()).toMatch(/^\$2b\$12\$/);
    expect(saved.cairn.maxParallelTasks).toBe(3);
    // A config cairn created keeps its secrets sealed: the repository password added in the form
    // is not in the file.
    expect(await page.getByLabel("Seal secrets in config.json").isChecked()).toBe(true);
    const raw = JSON.parse(readFileSync(cairn.configPath, "utf8")) as { repos: { password: string }[] };
    expect(raw.repos[0].password).toMatch(/^cairn-sealed:v1:/);

    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByLabel("User name").fill("second");
    await page.getByLabel("Password").fill("another long password");
    await page.getByRole("button", { name: "Log in" }).click();
    // Signed in again where the page was.
    await page.getByRole("heading", { name: "Settings" }).waitFor();
    await page.getByRole("button", { name: "Log out" }).waitFor();
  });

  it("turns on two-factor authentication from a QR code, and then logs in with a code", async () => {
    const totp = (secret: string, at: string) => execFileSync("oathtool", ["--totp", "-b", "-N", at, secret], { encoding: "utf8" }).trim();
    await page.getByRole("button", { name: "Set up two-factor authentication" }).click();
    await page.getByRole("img", { name: "QR code of the authenticator key" }).waitFor();
    const secret = (await page.getByTestId("totp-secret").textContent()) ?? "";
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await page.getByLabel("Code from the authenticator").fill(totp(secret, "now"));
    await shot("16-two-factor-enrolment");
    await page.getByRole("button", { name: "Turn on" }).click();
    await expect.poll(() => page.getByRole("list", { name: "Recovery codes" }).getByRole("listitem").count()).toBe(10);
    const saved = JSON.parse(readFileSync(cairn.configPath, "utf8")) as {
      auth: { users: { name: string; totpSecret?: string }[] };
    };
    // Stored, and sealed like every secret of a config cairn created.
    expect(saved.auth.users.find((u) => u.name === "second")?.totpSecret).toMatch(/^cairn-sealed:v1:/);
    expect(readFileSync(cairn.configPath, "utf8")).not.toContain(secret);
    await page.getByRole("button", { name: "Done" }).click();
    await page.getByText("recovery codes left").waitFor();

    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByLabel("User name").fill("second");
    await page.getByLabel("Password").fill("another long password");
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("alert").getByText("two-factor authentication").waitFor();
    // The enrolment's code was used; the authenticator's next one logs in.
    await page.getByLabel("One-time code").fill(totp(secret, "now + 30 seconds"));
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("heading", { name: "Settings" }).waitFor();
    const users = page.getByRole("list", { name: "Users" });
    await users.getByText("two-factor on").waitFor();
    expect(await users.getByRole("button", { name: "Reset two-factor" }).count()).toBe(1);
    await page.getByRole("button", { name: "Log out" }).waitFor();
  });

  /**
   * A snapshot made by restic itself with one more file (the plan's retention keeps one snapshot per
   * hour, so cairn's own are one), compared with cairn's before it down to that file (and the large
   * file the cancelled backup left); then a file's history across both.
   */
  async function compareAndFollowHistory() {
    writeFileSync(join(src, "added.txt"), "added between the backups\n");
    execFileSync("restic", ["-r", repoDir(), "backup", src], { env: { ...process.env, RESTIC_PASSWORD: "repo password 123" } });
    await page.getByRole("tab", { name: "History" }).click();
    await page.getByRole("tab", { name: "Snapshots" }).click();
    await page
      .getByRole("button", { name: /^Compare .* with the snapshot before it$/ })
      .first()
      .click();
    const diff = page.getByRole("tree", { name: /^Changes from / });
    const added = diff.getByRole("treeitem", { name: "added.txt" });
    for (let level = 0; level < 12 && !(await added.isVisible()); level++) {
      await diff
        .getByRole("button", { name: /^Expand / })
        .last()
        .click();
      await page.waitForTimeout(300);
    }
    await added.getByText("added", { exact: true }).waitFor();
    await shot("15-repo-snapshot-diff");
    // Only added.txt: the mirroring step's backup already holds the cancelled backup's big file.
    expect(await page.getByText(/^Files: /).textContent()).toMatch(/^Files: 1 added, 0 removed, 0 changed\./);
    await page.getByRole("button", { name: "Close the comparison" }).click();

    await page.getByRole("button", { name: "Browse" }).nth(1).click();
    const tree = page.getByRole("tree", { name: /Files of snapshot/ });
    await tree.getByRole("button", { name: `Expand ${src}` }).click();
    await tree.getByRole("button", { name: "History of a.txt" }).click();
    const dialog = page.getByRole("dialog", { name: "Versions across snapshots" });
    await dialog.getByRole("cell", { name: "appears" }).waitFor({ timeout: 30_000 });
    await dialog.getByRole("cell", { name: "unchanged" }).first().waitFor();
    await shot("15-file-history");
    // Any indexed version downloads as the file itself.
    await dialog
      .getByRole("button", { name: /^Download the version in snapshot / })
      .first()
      .click();
    const versionDialog = page.getByRole("dialog", { name: /^Download the version in snapshot / });
    const download = page.waitForEvent("download");
    await versionDialog.getByRole("link", { name: "Download" }).click();
    const saved = join(cairn.dir, "a-version.txt");
    await (await download).saveAs(saved);
    expect(readFileSync(saved, "utf8")).toBe(readFileSync(join(src, "a.txt"), "utf8"));
    await versionDialog.getByRole("button", { name: "Close" }).first().click();
    await dialog.getByRole("button", { name: "Close" }).first().click();
  }

  /** Finds a.txt by part of its name across the snapshots, then opens a version's restore and the history. */
  async function findAcrossSnapshots() {
    await page.getByRole("tab", { name: "Find files" }).click();
    const form = page.getByRole("search");
    await form.getByLabel("Name").fill("A.TX");
    await form.getByRole("button", { name: "Search" }).click();
    const results = page.getByRole("table", { name: "Search results" });
    await results.getByRole("cell", { name: join(src, "a.txt"), exact: true }).waitFor({ timeout: 30_000 });
    await results
      .getByText(/^\d+ snapshots?, /)
      .first()
      .waitFor();
    expect(await page.getByRole("status").filter({ hasText: "path found." }).textContent()).toMatch(
      /^1 path found\. \d+ indexed snapshots? searched\./,
    );
    await shot("15-repo-find-files");
    await results
      .getByRole("button", { name: /^Restore the version in snapshot / })
      .first()
      .click();
    await page.getByRole("dialog", { name: "Restore" }).getByRole("button", { name: "Close" }).first().click();
    await results.getByRole("button", { name: `History of ${join(src, "a.txt")}` }).click();
    const history = page.getByRole("dialog", { name: "Versions across snapshots" });
    await history.getByRole("cell", { name: "appears" }).waitFor({ timeout: 30_000 });
    await history.getByRole("button", { name: "Close" }).first().click();
  }

  it("shows the dashboard, repository tabs and settings, in light, dark and at a phone's width", async () => {
    await nav().getByRole("link", { name: "Dashboard" }).click();
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    await page.getByRole("region", { name: "Plan docs" }).waitFor();
    await shot("14-dashboard");
    await nav().getByRole("link", { name: "local" }).click();
    await page.getByRole("button", { name: "Stats", exact: true }).click();
    await page.getByRole("tab", { name: "Stats" }).click();
    await page.getByRole("img", { name: "Total size" }).waitFor({ timeout: 60_000 });
    await shot("15-repo-stats");
    await page.getByRole("tab", { name: "Snapshots" }).click();
    await page.getByRole("button", { name: "Browse" }).first().waitFor();
    await shot("15-repo-snapshots");
    await compareAndFollowHistory();
    await findAcrossSnapshots();
    await page.getByRole("tab", { name: "Run command" }).click();
    await page.getByLabel("restic command").fill("snapshots --compact");
    await page.getByLabel("restic command").press("Enter");
    await page
      .locator("pre.log")
      .getByText(/\d+ snapshots/)
      .waitFor({ timeout: 60_000 });
    await shot("15-repo-run-command");
    await page.getByRole("tab", { name: "History" }).click();
    await shot("15-repo-history");
    await nav().getByRole("link", { name: "Settings" }).click();
    await page.getByRole("heading", { name: "Settings" }).waitFor();
    await shot("16-settings");
    await page.getByLabel("Theme").selectOption("dark");
    await nav().getByRole("link", { name: "Dashboard" }).click();
    await shot("17-dashboard-dark");

    await page.setViewportSize({ width: 390, height: 844 });
    for (const [name, hash] of [
      ["dashboard", "#/"],
      ["plan", "#/plan/docs"],
      ["repo", "#/repo/local"],
      ["settings", "#/settings"],
    ]) {
      await page.goto(`${cairn.base}${hash}`);
      await page.locator("main h1").first().waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${name} is wider than a phone`).toBeLessThanOrEqual(0);
      await shot(`18-phone-${name}`);
    }
  });

  it("switches every main screen to Chinese and to Hindi from Settings, remembers the choice, and switches back", async () => {
    await page.setViewportSize({ width: 1400, height: 900 });
    await pickLanguage("Settings", "zh");
    await expectTranslated("zh");
    await page.reload();
    await page.getByRole("heading", { name: msg("zh", "settings:page.title") }).waitFor();
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("zh");
    await pickLanguage(msg("zh", "shell:nav.settings"), "hi");
    await expectTranslated("hi");
    await pickLanguage(msg("hi", "shell:nav.settings"), "en");
    await page.getByRole("heading", { name: "Settings" }).waitFor();
    await nav().getByRole("link", { name: "Dashboard" }).click();
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
  });

  it("reported no script or security-policy errors in the page", () => {
    expect(pageErrors).toEqual([]);
  });
});
