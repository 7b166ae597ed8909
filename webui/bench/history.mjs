// Measures the web UI on a long history, in Debian's chromium (driven by playwright-core), against a
// cairn server given as the first argument (authentication disabled) whose plan `plan-0` and repository
// `repo-0` hold large histories. Run by `cargo bench -p cairn-server --bench webui_history`, which
// builds the history and serves it. Prints, per view: time until the tree shows its first rows, rows
// in the DOM (virtualisation), frame times while scrolling through the loaded history, the time to
// load each older page, and the page's JS heap.
import { chromium } from "playwright-core";

const base = process.argv[2];
const ROUNDS = Number(process.env.CAIRN_BENCH_ROUNDS ?? 5);
const PAGES = Number(process.env.CAIRN_BENCH_PAGES ?? 10);

function pct(values, q) {
  const v = [...values].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.round((v.length - 1) * q))];
}
const ms = (x) => `${x.toFixed(1)} ms`;

/** Scrolls the tree from top to bottom in steps, one per animation frame; returns frame durations. */
async function scrollFrames(page) {
  return page.evaluate(async () => {
    const list = document.querySelector(".optree-list");
    const frames = [];
    let last = performance.now();
    const step = list.clientHeight * 0.9;
    list.scrollTop = 0;
    while (list.scrollTop + list.clientHeight < list.scrollHeight - 2) {
      list.scrollTop += step;
      await new Promise((r) => requestAnimationFrame(r));
      const now = performance.now();
      frames.push(now - last);
      last = now;
    }
    return frames;
  });
}

async function view(browser, name, hash) {
  const firstRows = [];
  let page;
  for (let i = 0; i < ROUNDS; i++) {
    page?.close();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const t = Date.now();
    await page.goto(`${base}${hash}`);
    await page.locator(".optree-flow").first().waitFor({ timeout: 60_000 });
    firstRows.push(Date.now() - t);
  }
  const domRows = await page.locator(".optree-flow, .optree-op, .optree-day").count();
  const frames = await scrollFrames(page);
  const pageTimes = [];
  for (let i = 0; i < PAGES; i++) {
    const button = page.getByRole("button", { name: "Load older history" });
    if (!(await button.count())) break;
    const before = await page.evaluate(() => document.querySelector(".optree-list > div").style.height);
    const t = Date.now();
    await button.click();
    await page.waitForFunction((h) => document.querySelector(".optree-list > div").style.height !== h, before, { timeout: 60_000 });
    pageTimes.push(Date.now() - t);
  }
  const framesAfter = await scrollFrames(page);
  const heap = await page.evaluate(() => performance.memory?.usedJSHeapSize ?? 0);
  const loadedFlows = await page.evaluate(() => document.querySelector(".optree-list > div").style.height);
  console.log(`\n${name}`);
  console.log(`  first rows after navigation   p50 ${ms(pct(firstRows, 0.5))}  max ${ms(Math.max(...firstRows))}  (${ROUNDS} loads)`);
  console.log(`  rows in the DOM               ${domRows}`);
  console.log(
    `  scroll frames, first page     p50 ${ms(pct(frames, 0.5))}  p99 ${ms(pct(frames, 0.99))}  max ${ms(Math.max(...frames))}  (${frames.length} frames)`,
  );
  if (pageTimes.length) {
    console.log(
      `  load an older page of 500     p50 ${ms(pct(pageTimes, 0.5))}  max ${ms(Math.max(...pageTimes))}  (${pageTimes.length} pages)`,
    );
    console.log(
      `  scroll frames, ${pageTimes.length + 1} pages loaded  p50 ${ms(pct(framesAfter, 0.5))}  p99 ${ms(pct(framesAfter, 0.99))}  max ${ms(Math.max(...framesAfter))}  (${framesAfter.length} frames; tree ${loadedFlows} tall)`,
    );
  }
  console.log(`  JS heap                       ${(heap / 1024 / 1024).toFixed(1)} MiB`);
  await page.close();
}

const browser = await chromium.launch({
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
    "--enable-precise-memory-info",
  ],
});
try {
  await view(browser, "plan view (plan-0)", "#/plan/plan-0");
  await view(browser, "repository view (repo-0)", "#/repo/repo-0");
} finally {
  await browser.close();
}
