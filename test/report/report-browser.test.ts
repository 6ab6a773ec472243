/**
 * The HTML report in a real headless Chromium, found the way users have one (test/helpers/
 * find-browser.ts: MEMPLANE_CHROMIUM, CHROME_PATH, chromium/google-chrome on PATH, the macOS apps,
 * Playwright's cache): every chart canvas has drawn pixels, the page logs no errors, makes no
 * network request, runs no injected markup, and a screenshot lands in test-output/report.png.
 * Without a browser the tests are skipped with the reason in their names and a warning — except
 * when `CI` is set, where they fail. MEMPLANE_SKIP_BROWSER=1 skips them on purpose.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { createEngine } from "memplane";
import { MetricsRecorder } from "../../src/metrics/metrics-recorder.js";
import { MetricsSeries } from "../../src/metrics/metrics-series.js";
import { renderReport } from "../../src/report/render-report.js";
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
  charts: number;
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
  querySelectorAll(selector: string): Iterable<{ textContent: string | null; getAttribute(name: string): string | null } & PageCanvas>;
  getElementById(id: string): { querySelector(selector: string): unknown } | null;
  body: { getAttribute(name: string): string | null };
}
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

/** Loads an HTML file and inspects its canvases; optionally screenshots the full page. */
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
  await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
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
      canvases,
      hostTitles: [...document.querySelectorAll("#host-charts h3")].map((h) => h.textContent ?? ""),
      // each summary row links to a section holding its chart
      brokenLinks: [...document.querySelectorAll("tbody th a")]
        .map((a) => a.getAttribute("href") ?? "")
        .filter((href) => document.getElementById(href.slice(1))?.querySelector("canvas") == null),
      links: [...document.querySelectorAll("tbody th a")].length,
    };
  });
  if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
  await page.close();
  return { ...result, errors, requests, dialogs };
}

const CLUSTER = fs.readFileSync(path.join(ROOT, "manifests/examples/seed-story/cluster.yaml"), "utf8");

browserTest("the report of a seed-story run renders every chart in Chromium", async () => {
  const engine = createEngine({ seed: 1 });
  engine.apply(CLUSTER);
  const recorder = MetricsRecorder.attach(engine);
  engine.step(900);
  fs.mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, "report.html");
  fs.writeFileSync(file, renderReport(recorder.series, { source: "manifests/examples/seed-story" }));

  const r = await load(file, path.join(OUT, "report.png"));
  expect(r.errors).toEqual([]);
  expect(r.requests).toEqual([]);
  const objects = recorder.series.hosts.size + recorder.series.vms.size;
  expect(objects).toBe(4); // esx-01 and three VMs
  expect(r.charts).toBe(objects);
  expect(r.canvases).toHaveLength(objects);
  expect(r.links).toBe(objects);
  expect(r.brokenLinks).toEqual([]);
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
  expect(r.charts).toBe(2);
  expect(r.hostTitles[0]).toContain(evil);
});
