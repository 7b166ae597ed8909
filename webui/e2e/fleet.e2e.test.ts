// The fleet end to end, as a new user would set it up: two real `cairn serve` processes, a hub and a
// client (a laptop with a plan and a restic repository), paired from the web UI (a token issued on the
// hub's Peers page, pasted on the client's with the run-tasks permission added), both then on the hub's
// fleet dashboard, the laptop's backup started from the hub and watched to success there, and the same
// backup seen finished on the laptop. Real cairn, real restic, real chromium, real HTTP/2 between them.
// Screenshots of the fleet pages go to e2e/screenshots/ (not committed).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { SCREENSHOTS, launchChromium, makeSource, startCairn, type Cairn } from "./support";

let hub: Cairn;
let laptop: Cairn;
let browser: Browser;
let onHub: Page;
let onLaptop: Page;
let token = "";
const pageErrors: string[] = [];

const FAST_RETRY = { CAIRN_MULTIHOST_RETRY_INTERVAL: "1s" };

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "cairn-e2e-fleet-"));
  const src = makeSource(dir);
  hub = await startCairn({ config: { version: 6, instance: "hub", auth: { disabled: true } }, env: FAST_RETRY });
  laptop = await startCairn({
    env: FAST_RETRY,
    config: {
      version: 6,
      instance: "laptop",
      auth: { disabled: true },
      repos: [{ id: "nas", uri: join(dir, "repo"), password: "fleet pw", autoInitialize: true }],
      plans: [{ id: "docs", repo: "nas", paths: [src], schedule: { disabled: true } }],
    },
  });
  browser = await launchChromium();
  for (const which of ["hub", "laptop"] as const) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(30_000);
    page.on("console", (m) => {
      if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) pageErrors.push(`${which}: ${m.text()}`);
    });
    page.on("pageerror", (e) => pageErrors.push(`${which}: ${String(e)}`));
    if (which === "hub") onHub = page;
    else onLaptop = page;
  }
});

let failed = false;
beforeEach((ctx) => {
  if (failed) ctx.skip();
});
afterEach(async (ctx) => {
  if (ctx.task.result?.state !== "fail") return;
  failed = true;
  await onHub?.screenshot({ path: join(SCREENSHOTS, "FAILED-fleet-hub.png"), fullPage: true }).catch(() => undefined);
  await onLaptop?.screenshot({ path: join(SCREENSHOTS, "FAILED-fleet-laptop.png"), fullPage: true }).catch(() => undefined);
  writeFileSync(join(SCREENSHOTS, "FAILED-fleet-hub.log"), hub.output());
  writeFileSync(join(SCREENSHOTS, "FAILED-fleet-laptop.log"), laptop.output());
});

afterAll(async () => {
  await browser?.close();
  await laptop?.stop();
  await hub?.stop();
});

describe("a fleet paired and steered from the web UI", () => {
  it("issues a pairing token on the hub", async () => {
    await onHub.goto(`${hub.base}#/peers`);
    await onHub.getByRole("heading", { name: "Peers" }).waitFor();
    await onHub.getByLabel("Label").fill("laptop");
    await onHub.getByRole("button", { name: "Issue token" }).click();
    token = (await onHub.locator(".token-text").textContent()) ?? "";
    expect(token).toMatch(/^ed25519\.[^:]+:[0-9a-f]+#hub$/);
    await onHub.getByRole("list", { name: "Open tokens" }).getByText("used 0 of 1").waitFor();
    await onHub.screenshot({ path: join(SCREENSHOTS, "fleet-1-token.png"), fullPage: true });
  });

  it("pastes it on the laptop with the run-tasks permission, and the two connect", async () => {
    await onLaptop.goto(`${laptop.base}#/peers`);
    await onLaptop.getByLabel("Pairing token").fill(token);
    await onLaptop.getByLabel("Hub URL").fill(hub.base);
    const grants = onLaptop.getByRole("group", { name: "What the hub may do here" });
    await grants.getByRole("button", { name: "+ Add permission" }).click();
    await grants.getByRole("combobox", { name: "Permission" }).nth(2).selectOption({ label: "Run backups and tasks" });
    await onLaptop.getByRole("button", { name: "Pair", exact: true }).click();
    const host = onLaptop.getByRole("list", { name: "Hubs this instance reports to" }).getByRole("listitem", { name: "hub" });
    await host.locator(".badge", { hasText: "connected" }).waitFor({ timeout: 60_000 });
    await expect.poll(() => host.textContent()).toContain("Run backups and tasks");
    await onLaptop.screenshot({ path: join(SCREENSHOTS, "fleet-2-paired.png"), fullPage: true });

    // On the hub the laptop is an authorised client, and the one-use token is gone.
    await onHub.reload();
    const client = onHub.getByRole("list", { name: "Clients of this hub" }).getByRole("listitem", { name: "laptop" });
    await client.locator(".badge", { hasText: "connected" }).waitFor({ timeout: 30_000 });
    await onHub.getByText("No open tokens.").waitFor();
  });

  it("shows both instances on the hub's fleet dashboard", async () => {
    await onHub.goto(`${hub.base}#/fleet`);
    await onHub.getByRole("heading", { name: "Fleet" }).waitFor();
    await onHub.getByRole("region", { name: "hub" }).waitFor();
    const card = onHub.getByRole("region", { name: "laptop" });
    await card.locator(".badge", { hasText: "connected" }).waitFor();
    await card.getByRole("row").filter({ hasText: "docs" }).getByText("never run").waitFor({ timeout: 30_000 });
    await onHub.screenshot({ path: join(SCREENSHOTS, "fleet-3-dashboard.png"), fullPage: true });
  });

  it("starts the laptop's backup from the hub and watches it finish there", async () => {
    await onHub.getByRole("region", { name: "laptop" }).getByRole("link", { name: "laptop" }).click();
    await onHub.getByRole("heading", { name: "laptop" }).waitFor();
    await onHub.getByRole("listitem", { name: "docs" }).getByRole("button", { name: "Back up now" }).click();
    const flow = onHub.locator(".optree-flow").filter({ hasText: "docs" }).first();
    await flow.locator(".badge", { hasText: "success" }).waitFor({ timeout: 90_000 });
    await onHub.screenshot({ path: join(SCREENSHOTS, "fleet-4-remote-backup.png"), fullPage: true });

    // The laptop ran it: the same backup is in its own history.
    await onLaptop.goto(`${laptop.base}#/plan/docs`);
    await onLaptop.locator(".optree-flow").first().locator(".badge", { hasText: "success" }).waitFor({ timeout: 30_000 });

    // And the dashboard says so.
    await onHub.goto(`${hub.base}#/fleet`);
    const row = onHub.getByRole("region", { name: "laptop" }).getByRole("row").filter({ hasText: "docs" });
    await row.locator(".badge", { hasText: "success" }).waitFor({ timeout: 30_000 });
    await onHub.getByLabel("Only instances that need attention").check();
    await onHub.getByText("No instance needs attention.").waitFor();
    expect(pageErrors).toEqual([]);
  });
});
