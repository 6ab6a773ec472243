/**
 * The HTML report in a real headless Chromium, found the way users have one (test/helpers/
 * find-browser.ts: MEMPLANE_CHROMIUM, CHROME_PATH, chromium/google-chrome on PATH, the macOS apps,
 * Playwright's cache): every chart canvas has drawn pixels once scrolled into view, legends list
 * only drawn series, the page logs no errors, makes no network request, runs no injected markup,
 * and a screenshot lands in test-output/report.png. A 10 000-VM report opens within the load
 * target (with a margin for a busy machine), draws only what is in view, and its table sorts,
 * filters and opens charts.
 * Without a browser the tests are skipped with the reason in their names and a warning — except
 * when `CI` is set, where they fail. MEMPLANE_SKIP_BROWSER=1 skips them on purpose.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { createEngine } from "memplane";
import { MetricsRecorder } from "../../src/metrics/metrics-recorder.js";
import { MetricsSeries } from "../../src/metrics/metrics-series.js";
import { renderReport } from "../../src/report/render-report.js";
import { reportVmContext } from "../../src/report/vm-context.js";
import { browserTestPlan } from "../helpers/find-browser.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const OUT = path.join(ROOT, "test-output");
const PLAN = browserTestPlan();
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

if (!PLAN.run && PLAN.skip) console.warn(`report-browser.test.ts: the report's browser tests are SKIPPED: ${PLAN.why}`);

/** A browser test: run, skipped with the reason in its name, or (CI without a browser) run to fail in beforeAll. */
function browserTest(name: string, body: () => Promise<void>): void {
  if (!PLAN.run && PLAN.skip) test.skip(`${name} [skipped: ${PLAN.why}]`, body);
  else test(name, body);
}

/** What loading a report in the browser showed. */
interface PageResult {
  /** Milliseconds from navigation to `body[data-ready]`. */
  readyMs: number;
  /** Charts drawn right after load, before any scrolling. */
  chartsAtLoad: number;
  charts: number;
  /** Legend labels of each chart, in page order. */
  legends: string[][];
  canvases: { width: number; height: number; drawn: number; colored: number }[];
  errors: string[];
  requests: string[];
  dialogs: string[];
  hostTitles: string[];
  brokenLinks: string[];
  links: number;
}

/** The page's DOM, as used inside page.evaluate (this project compiles without the DOM lib). */
interface PageDom {
  querySelectorAll(selector: string): Iterable<PageElement & PageCanvas>;
  getElementById(id: string): { querySelector(selector: string): unknown } | null;
  body: { getAttribute(name: string): string | null; scrollHeight: number };
}
/** The element API the checks use. */
interface PageElement {
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
}
declare const window: { scrollTo(x: number, y: number): void; innerHeight: number };
/** The canvas API the pixel check needs. */
interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: "2d"): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}
declare const document: PageDom;

let browser: Browser | undefined;

beforeAll(async () => {
  if (PLAN.run) browser = await chromium.launch({ executablePath: PLAN.executable, args: ARGS });
  else if (!PLAN.skip) throw new Error(`the report's browser test needs Chrome or Chromium: ${PLAN.why}`);
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

/** Loads an HTML file, scrolls through it (charts draw as they come into view) and inspects its canvases; optionally screenshots the full page. */
async function load(file: string, screenshot?: string): Promise<PageResult> {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  const dialogs: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on("request", (r) => {
    if (!r.url().startsWith("file:")) requests.push(r.url());
  });
  const start = Date.now();
  await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
  await page.waitForFunction(() => document.body.getAttribute("data-ready") === "1");
  const readyMs = Date.now() - start;
  const chartsAtLoad = Number(await page.evaluate(() => document.body.getAttribute("data-charts")));
  const height = await page.evaluate(() => document.body.scrollHeight);
  for (let y = 0; y <= height; y += 800) {
    await page.evaluate((to) => window.scrollTo(0, to), y);
    await page.waitForTimeout(20);
  }
  await page.waitForTimeout(100);
  const result = await page.evaluate(() => {
    const canvases = [...document.querySelectorAll("canvas")].map((c) => {
      const ctx = c.getContext("2d")!;
      const data = ctx.getImageData(0, 0, c.width, c.height).data;
      let drawn = 0;
      let colored = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3]! === 0) continue;
        drawn++;
        const [r, g, b] = [data[i]!, data[i + 1]!, data[i + 2]!];
        if (Math.max(r, g, b) - Math.min(r, g, b) > 40) colored++; // a series or band, not grey grid/text
      }
      return { width: c.width, height: c.height, drawn, colored };
    });
    return {
      charts: Number(document.body.getAttribute("data-charts") ?? "0"),
      legends: [...document.querySelectorAll(".uplot")].map((u) => [...u.querySelectorAll(".u-legend .u-label")].map((l) => l.textContent ?? "")),
      canvases,
      hostTitles: [...document.querySelectorAll("#host-charts h3")].map((h) => h.textContent ?? ""),
      // each summary row links to a section holding its chart
      brokenLinks: [...document.querySelectorAll("tbody th a, .worst a")]
        .map((a) => a.getAttribute("href") ?? "")
        .filter((href) => document.getElementById(href.slice(1))?.querySelector("canvas") == null),
      links: [...document.querySelectorAll("tbody th a")].length,
    };
  });
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  await page.close();
  return { ...result, readyMs, chartsAtLoad, errors, requests, dialogs };
}

const CLUSTER = fs.readFileSync(path.join(ROOT, "manifests/examples/seed-story/cluster.yaml"), "utf8");

browserTest("the report of a seed-story run renders every chart in Chromium", async () => {
  const engine = createEngine({ seed: 1 });
  engine.apply(CLUSTER);
  const recorder = MetricsRecorder.attach(engine);
  engine.step(900);
  fs.mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, "report.html");
  fs.writeFileSync(file, renderReport(recorder.series, { source: "manifests/examples/seed-story", vms: reportVmContext(engine.model) }));

  const r = await load(file, path.join(OUT, "report.png"));
  expect(r.errors).toEqual([]);
  expect(r.requests).toEqual([]);
  expect(r.chartsAtLoad).toBeGreaterThanOrEqual(2); // the overview and the host chart are in the first screen
  const objects = recorder.series.hosts.size + recorder.series.vms.size;
  expect(objects).toBe(4); // esx-01 and three VMs
  expect(r.charts).toBe(objects + 1); // and the cluster overview
  expect(r.canvases).toHaveLength(objects + 1);
  expect(r.links).toBe(objects);
  expect(r.brokenLinks).toEqual([]);
  // every legend entry is a drawn line or area: no hidden "state" series; minFree is listed (and drawn) after clear
  expect(r.legends[0]).toEqual(["time", "low", "hard", "soft", "clear", "high"]);
  expect(r.legends[1]).toEqual(["time", "free", "clear <", "soft <", "hard <", "low <", "minFree (= clear)"]);
  const vmLegend = ["time", "consumed (CNSM)", "balloon (MCTLSZ)", "compressed (ZIP)", "swapped (SWCUR)", "memory (MEMSZ)", "entitlement (SZTGT)", "active (ACTV)", "stall %"];
  expect(r.legends.slice(2)).toEqual([vmLegend, vmLegend, vmLegend]);
  for (const c of r.canvases) {
    expect(c.width).toBeGreaterThan(400);
    // a real chart paints a good share of its area (bands, fills) in colour, not just axes
    expect(c.colored / (c.width * c.height)).toBeGreaterThan(0.05);
  }
  expect(fs.statSync(path.join(OUT, "report.png")).size).toBeGreaterThan(10_000);
});

browserTest("names are shown as text, never run as markup", async () => {
  const evil = `<img src=x onerror="alert('host')">`;
  const series = new MetricsSeries(1);
  for (let t = 1; t <= 30; t++) {
    const i = series.begin(t);
    const h = series.host(evil);
    for (const [m, v] of Object.entries({ capacity: 1 << 20, free: 20_000 - t * 500, minFree: 8000, clear: 8000, soft: 5120, hard: 2560, low: 1280, state: Math.min(4, Math.floor(t / 6)) })) {
      h[m as keyof typeof h][i] = v;
    }
    const v = series.vm(`default/</script><script>alert('vm')</script>`);
    for (const m of Object.keys(v) as (keyof typeof v)[]) v[m][i] = m === "memoryStallPercent" ? t : t * 1000;
  }
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "memplane-report-")), "evil.html");
  fs.writeFileSync(file, renderReport(series, { title: "<b>t</b>" }));
  const r = await load(file);
  expect(r.dialogs).toEqual([]);
  expect(r.errors).toEqual([]);
  expect(r.charts).toBe(3); // the overview, the host and the VM;
  expect(r.hostTitles[0]).toContain(evil);
});

/** The target for opening the report of a 10 000-VM cluster. */
const LOAD_TARGET_MS = 5000;
/**
 * This test runs next to other suites (jest workers share the cores), so it allows twice the
 * target; `npm run bench:report` measures the target itself on an otherwise idle machine.
 */
const LOAD_MARGIN = 2;

browserTest("the report of a 10 000-VM cluster opens fast, draws lazily and leads with the overview", async () => {
  // 100 hosts × 100 VMs (bench/report-series.ts), rendered by the built code: a second or two,
  // where the same code run under jest's module sandbox takes over ten
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "memplane-report-")), "big.html");
  const bench = path.join(ROOT, "dist/bench/report-load.js");
  if (!fs.existsSync(bench)) throw new Error(`${bench} is missing: run \`npm run build\` first`);
  execFileSync(process.execPath, [bench, "--write", file]);

  const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  const start = Date.now();
  await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
  await page.waitForFunction(() => document.body.getAttribute("data-ready") === "1");
  const readyMs = Date.now() - start;
  expect(readyMs).toBeLessThan(LOAD_TARGET_MS * LOAD_MARGIN);

  const text = (sel: string): Promise<string[]> => page.$$eval(sel, (els) => els.map((e) => e.textContent ?? ""));
  // only what is near the viewport is drawn; the page is not 10 000 charts tall
  const drawn = Number(await page.evaluate(() => document.body.getAttribute("data-charts")));
  expect(drawn).toBeGreaterThanOrEqual(1);
  expect(drawn).toBeLessThan(20);
  expect(await page.evaluate(() => document.body.scrollHeight)).toBeLessThan(100_000);
  // the worst lists name VMs; the table shows a page of rows out of 10 000
  expect(await text(".worst li")).toHaveLength(30);
  expect(await page.$$eval("#vm-summary tbody tr", (rows) => rows.length)).toBe(100);
  expect((await text("#vm-count"))[0]).toBe("Showing 100 of 10000 matching (10000 virtual machines).");

  // sort by peak stall (first click: highest first), then filter by name and by what happened
  await page.click("#vm-summary thead th:nth-child(8)");
  const stalls = (await text("#vm-summary tbody td:nth-child(8)")).map((c) => Number.parseFloat(c));
  expect(stalls[0]).toBeGreaterThan(0);
  expect([...stalls].sort((a, b) => b - a)).toEqual(stalls);
  await page.selectOption("#vm-show", "swapped");
  expect((await text("#vm-count"))[0]).toMatch(/^Showing 100 of 9\d\d matching/); // every 11th VM swaps, but not VM 0 (pressure 0)
  await page.fill("#vm-filter", "vm-1000");
  expect(await text("#vm-summary tbody th")).toEqual(["default/vm-10000"]); // vm-01000 … vm-01009 do not swap

  // a VM picked in the table gets its chart, drawn at once
  await page.click("#vm-summary tbody th a");
  await page.waitForFunction(() => document.getElementById("vm-9999")?.querySelector("canvas") != null);
  expect(errors).toEqual([]);
  await page.close();
});
