/**
 * `npm run bench:report [-- --runs 3 --ticks 120 --synthetic-only]`: how long the HTML report of
 * the README's 100 × 100 cluster (10 000 VMs) takes to open in headless Chromium, from
 * navigation until the page is usable (`body[data-ready]`), the median of `--runs` loads, against
 * the 5 s target of docs/report.md. Two reports are measured: a synthetic series of that size
 * (bench/report-series.ts) and, unless `--synthetic-only`, the cluster of `memplane generate
 * --hosts 100 --vms-per-host 100` simulated for `--ticks` ticks. The browser is found like the
 * tests find it (test/helpers/find-browser.ts).
 *
 * `node dist/bench/report-load.js --write FILE` only writes the synthetic report (the browser
 * test uses it: the built code renders it far faster than code run under jest).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { createEngine } from "../src/index.js";
import { generateCluster } from "../src/generate/cluster-generator.js";
import { MetricsRecorder } from "../src/metrics/metrics-recorder.js";
import { renderReport, reportVmContext } from "../src/report/index.js";
import { findBrowser } from "../test/helpers/find-browser.js";
import { README_CLUSTER, syntheticSeries } from "./report-series.js";

/** The target for opening a 10 000-VM report (ms). */
export const LOAD_TARGET_MS = 5000;

/** Writes the synthetic 100 × 100 report to `file`; returns its size in bytes. */
export function writeSyntheticReport(file: string): number {
  const html = renderReport(syntheticSeries(README_CLUSTER), { source: "synthetic 100 × 100 (bench/report-series.ts)" });
  fs.writeFileSync(file, html);
  return Buffer.byteLength(html);
}

/** Simulates the README's cluster for `ticks` ticks and writes its report to `file`; returns its size. */
export function writeSimulatedReport(file: string, ticks: number): number {
  const engine = createEngine({ seed: 1 });
  engine.apply(generateCluster({ hosts: 100, vmsPerHost: 100, overcommit: 1.5, seed: 1 }));
  const recorder = MetricsRecorder.attach(engine);
  engine.step(ticks);
  const html = renderReport(recorder.series, { source: `memplane generate --hosts 100 --vms-per-host 100, ${ticks} ticks`, vms: reportVmContext(engine.model) });
  fs.writeFileSync(file, html);
  return Buffer.byteLength(html);
}

/** Milliseconds until each of `runs` fresh pages of `file` is usable. */
async function loadTimes(executable: string, file: string, runs: number): Promise<number[]> {
  const browser = await chromium.launch({ executablePath: executable, args: ["--headless", "--no-sandbox", "--disable-gpu"] });
  const times: number[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const start = Date.now();
      await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
      await page.waitForFunction("document.body.getAttribute('data-ready') === '1'", undefined, { timeout: 60_000 });
      times.push(Date.now() - start);
      await page.close();
    }
  } finally {
    await browser.close();
  }
  return times;
}

async function main(argv: readonly string[]): Promise<number> {
  const flag = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i < 0 ? undefined : argv[i + 1];
  };
  const write = flag("--write");
  if (write !== undefined) {
    writeSyntheticReport(write);
    return 0;
  }
  const runs = Number(flag("--runs") ?? 3);
  const ticks = Number(flag("--ticks") ?? 120);
  const search = findBrowser();
  if (!search.found) {
    process.stderr.write(`error: no browser for the report benchmark: ${search.reason}\n`);
    return 1;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "memplane-report-bench-"));
  const cases: [string, (file: string) => number][] = [["synthetic 100 × 100", writeSyntheticReport]];
  if (!argv.includes("--synthetic-only")) cases.push([`simulated 100 × 100, ${ticks} ticks`, (f) => writeSimulatedReport(f, ticks)]);
  let slow = false;
  for (const [name, make] of cases) {
    const file = path.join(dir, "report.html");
    const t = Date.now();
    const bytes = make(file);
    const made = Date.now() - t;
    const times = await loadTimes(search.executable, file, runs);
    const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
    slow ||= median >= LOAD_TARGET_MS;
    process.stdout.write(`${name}: ${(bytes / 1024 / 1024).toFixed(1)} MiB, made in ${made} ms; opens in ${times.join(", ")} ms (median ${median} ms, target < ${LOAD_TARGET_MS} ms) ${median < LOAD_TARGET_MS ? "ok" : "SLOW"}\n`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return slow ? 1 : 0;
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  process.exitCode = await main(process.argv.slice(2));
}
