// Measures the web UI on a long history, in Debian's chromium (driven by playwright-core), against a
// cairn server given as the first argument (authentication disabled) whose plan `plan-0` and repository
// `repo-0` hold large histories. Run by `cargo bench -p cairn-server --bench webui_history`, which
// builds the history and serves it. Prints, per view: time until the tree shows its first rows, rows
// in the DOM (virtualisation), frame times while scrolling through the loaded history, the time to
// load each older page, and the page's JS heap.
import type { Browser, Page } from "playwright-core";
import { launchChromium } from "../e2e/support";

const base = process.env.CAIRN_BENCH_BASE ?? "";
const ROUNDS = Number(process.env.CAIRN_BENCH_ROUNDS ?? 5);
const PAGES = Number(process.env.CAIRN_BENCH_PAGES ?? 10);

function pct(values: number[], q: number): number {
  const v = [...values].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.round((v.length - 1) * q))];
}
const ms = (x: number) => `${x.toFixed(1)} ms`;

/** Scrolls the tree from top to bottom in steps, one per animation frame; returns frame durations. */
async function scrollFrames(page: Page): Promise<number[]> {
  return page.evaluate(async () => {
    const list = document.querySelector<HTMLElement>(".optree-list");
    if (!list) throw new Error("no operation tree on the page");
    const frames: number[] = [];
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

/** Frame durations over `ms` milliseconds while the page only receives live changes. */
async function idleFrames(page: Page, ms: number): Promise<number[]> {
  return page.evaluate(async (duration) => {
    const frames: number[] = [];
    const end = performance.now() + duration;
    let last = performance.now();
    while (performance.now() < end) {
      await new Promise((r) => requestAnimationFrame(r));
      const now = performance.now();
      frames.push(now - last);
      last = now;
    }
    return frames;
  }, ms);
}

async function view(browser: Browser, name: string, hash: string) {
  const firstRows: number[] = [];
  const pageReady: number[] = [];
  const open = async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${base}${hash}`);
    await page.locator(".optree-flow").first().waitFor({ timeout: 60_000 });
    // Both measured by the page's own clock from the start of navigation.
    const t = await page.evaluate(() => ({
      rows: performance.now(),
      ready: (performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined)?.domContentLoadedEventEnd ?? 0,
    }));
    firstRows.push(t.rows);
    pageReady.push(t.ready);
    return page;
  };
  for (let i = 1; i < ROUNDS; i++) await (await open()).close();
  const page = await open();
  const domRows = await page.locator(".optree-flow, .optree-op, .optree-day").count();
  const frames = await scrollFrames(page);
  const pageTimes: number[] = [];
  for (let i = 0; i < PAGES; i++) {
    const button = page.getByRole("button", { name: "Load older history" });
    if (!(await button.count())) break;
    const before = await page.evaluate(() => document.querySelector<HTMLElement>(".optree-list > div")?.style.height ?? "");
    const t = Date.now();
    await button.click();
    await page.waitForFunction((h) => (document.querySelector<HTMLElement>(".optree-list > div")?.style.height ?? "") !== h, before, {
      timeout: 60_000,
    });
    pageTimes.push(Date.now() - t);
  }
  const framesAfter = await scrollFrames(page);
  const live = await idleFrames(page, 5000);
  const heap: number = await page.evaluate(
    () => (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0,
  );
  const loadedFlows = await page.evaluate(() => document.querySelector<HTMLElement>(".optree-list > div")?.style.height ?? "");
  console.log(`\n${name}`);
  console.log(`  page loaded (DOMContentLoaded) p50 ${ms(pct(pageReady, 0.5))}  max ${ms(Math.max(...pageReady))}  (${ROUNDS} loads)`);
  console.log(`  first rows after navigation   p50 ${ms(pct(firstRows, 0.5))}  max ${ms(Math.max(...firstRows))}`);
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
  console.log(
    `  frames during live progress   p50 ${ms(pct(live, 0.5))}  p99 ${ms(pct(live, 0.99))}  max ${ms(Math.max(...live))}  (${live.length} frames in 5 s, a backup reporting 10x/s)`,
  );
  console.log(`  JS heap                       ${(heap / 1024 / 1024).toFixed(1)} MiB`);
  await page.close();
}

const browser = await launchChromium(["--enable-precise-memory-info"]);
try {
  await view(browser, "plan view (plan-0)", "#/plan/plan-0");
  await view(browser, "repository view (repo-0)", "#/repo/repo-0");
} finally {
  await browser.close();
}
