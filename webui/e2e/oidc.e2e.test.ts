// Single sign-on end to end: a real OpenID provider (oidc-provider, certified), a real `cairn serve`
// and Debian's chromium. An admin turns single sign-on on in the settings page; alice (in the allowed
// group) signs in through the provider and is created as a cairn user; mallory (outside it) is refused
// with the reason, as is a sign-in cancelled at the provider; the admin's local password still works;
// each attempt is logged in one line.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { SCREENSHOTS, freePort, launchChromium, startCairn, type Cairn } from "./support";
import { CLIENT_ID, CLIENT_SECRET, startProvider, type IdentityProvider } from "./oidcProvider";

let cairn: Cairn;
let idp: IdentityProvider;
let browser: Browser;
const ADMIN = "admin";
const PASSWORD = "correct horse battery";

interface SavedConfig {
  auth: { users: { name: string }[]; oidc?: { clientSecret: string } };
}

function saved(): SavedConfig {
  return JSON.parse(readFileSync(cairn.configPath, "utf8")) as SavedConfig;
}

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1300, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  return page;
}

async function logIn(page: Page) {
  await page.goto(cairn.base);
  await page.getByLabel("User name").fill(ADMIN);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("heading", { name: "Getting started" }).waitFor();
}

/** Signs in at the provider's development pages as `login`, and agrees to share the claims. */
async function throughProvider(page: Page, login: string) {
  await page.goto(cairn.base);
  await page.getByRole("link", { name: "Sign in with Example ID" }).click();
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("any password");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await page.getByRole("button", { name: "Continue" }).click();
}

beforeAll(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const port = await freePort();
  idp = await startProvider(`http://127.0.0.1:${port}/auth/oidc/callback`);
  cairn = await startCairn({ port });
  const setup = await fetch(`${cairn.base}cairn.v1.Cairn/Setup`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: ADMIN, password: PASSWORD }),
  });
  expect(setup.status).toBe(200);
  browser = await launchChromium();
});

let failed = false;
let current: Page | undefined;
beforeEach((ctx) => {
  if (failed) ctx.skip();
});
afterEach(async (ctx) => {
  if (ctx.task.result?.state !== "fail") return;
  failed = true;
  await current?.screenshot({ path: join(SCREENSHOTS, "FAILED-oidc.png"), fullPage: true }).catch(() => undefined);
  writeFileSync(join(SCREENSHOTS, "FAILED-oidc-server.log"), cairn.output());
});

afterAll(async () => {
  await browser?.close();
  await cairn?.stop();
  await idp?.stop();
});

describe("single sign-on", () => {
  it("is turned on in the settings page", async () => {
    const page = (current = await newPage());
    await logIn(page);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
    await page.getByRole("heading", { name: "Single sign-on" }).waitFor();
    await page.getByLabel("Issuer URL").fill(idp.issuer);
    await page.getByLabel("Client id").fill(CLIENT_ID);
    await page.getByLabel("Client secret").fill(CLIENT_SECRET);
    await page.getByLabel("Extra scopes").fill("profile\nemail\ngroups");
    await page.getByLabel("Button text").fill("Sign in with Example ID");
    await page.getByLabel("Create users at their first sign-in").check();
    // Auto-creation for everyone is refused: the error names the field and what to do.
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await expect(page.getByRole("alert").filter({ hasText: "allowedGroups" }).first().textContent()).resolves.toMatch(/every account/);
    await page.getByLabel("Allowed groups").fill("backup-admins");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByText("No unsaved changes").waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, "20-single-sign-on-settings.png"), fullPage: true });
    // The client secret is a secret: sealed in the file, never shown again.
    expect(saved().auth.oidc?.clientSecret).toMatch(/^cairn-sealed:v1:/);
    expect(await page.getByLabel("Client secret").inputValue()).not.toContain("secret");
    await page.context().close();
  });

  it("signs alice in through the provider and creates her user", async () => {
    const page = (current = await newPage());
    await page.goto(cairn.base);
    await page.getByRole("link", { name: "Sign in with Example ID" }).waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, "21-login-with-sso.png"), fullPage: true });
    await throughProvider(page, "alice");
    await page.getByRole("heading", { name: "Getting started" }).waitFor();
    // The token left the address bar; reloading keeps the session.
    expect(page.url()).not.toContain("oidc_token");
    await page.reload();
    await page.getByRole("heading", { name: "Getting started" }).waitFor();
    expect(saved().auth.users.map((u) => u.name)).toEqual([ADMIN, "alice"]);
    await page.context().close();
  });

  it("refuses mallory, who is outside the allowed group, and says why", async () => {
    const page = (current = await newPage());
    await throughProvider(page, "mallory");
    await page.getByRole("heading", { name: "Log in" }).waitFor();
    await expect(page.getByRole("alert").textContent()).resolves.toMatch(/"mallory" may not sign in here/);
    expect(saved().auth.users.map((u) => u.name)).toEqual([ADMIN, "alice"]);
    await page.context().close();
  });

  it("shows the provider's refusal when the person cancels there", async () => {
    const page = (current = await newPage());
    await page.goto(cairn.base);
    await page.getByRole("link", { name: "Sign in with Example ID" }).click();
    await page.getByRole("link", { name: "[ Cancel ]" }).click();
    await page.getByRole("heading", { name: "Log in" }).waitFor();
    await expect(page.getByRole("alert").textContent()).resolves.toMatch(/refused: access_denied End-User aborted interaction/);
    await page.context().close();
  });

  it("keeps local users working beside it, and logs every attempt in one line", async () => {
    const page = (current = await newPage());
    await logIn(page);
    await page.context().close();
    const log = cairn.output();
    expect(log).toMatch(/login succeeded: source=127\.0\.0\.1 user=alice via=oidc/);
    expect(log).toMatch(/login failed: source=127\.0\.0\.1 user=mallory via=oidc reason=/);
    expect(log).toMatch(/login succeeded: source=127\.0\.0\.1 user=admin via=login/);
  });
});
