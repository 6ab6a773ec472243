/**
 * `run --report`, `report` and `export metrics` through the built binary: the metrics series
 * spans run and step invocations, the CSV is tidy, and the HTML is self-contained.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT, memplane, requireBuild, tempDir } from "../cli/cli-harness.js";

const SEED_STORY = path.join(ROOT, "manifests/examples/seed-story");

beforeAll(() => requireBuild());

test("run --state --report, step, report and export metrics share one series", async () => {
  const { dir, state } = tempDir();
  const runHtml = path.join(dir, "run.html");
  const run = await memplane(["run", "-q", "-f", SEED_STORY, "--duration", "2m", "--state", state, "--report", runHtml]);
  expect(run).toMatchObject({ code: 0, stderr: "" });
  const step = await memplane(["step", "-q", "--ticks", "30", "--state", state]);
  expect(step.code).toBe(0);

  const [report, csv, json] = await Promise.all([
    memplane(["report", "--state", state, "-o", path.join(dir, "r.html"), "--title", "what if <x>"]),
    memplane(["export", "metrics", "--state", state]),
    memplane(["export", "metrics", "--state", state, "-o", path.join(dir, "m.json")]),
  ]);
  expect(report.code).toBe(0);
  expect(report.stderr).toMatch(/^wrote .*r\.html \(\d+ KiB; 1 host, 3 VMs, ticks 1–150\)\n$/);
  const html = fs.readFileSync(path.join(dir, "r.html"), "utf8");
  expect(html).toContain("<title>what if &lt;x&gt;</title>");
  expect(html).not.toMatch(/<script[^>]+src=|<link[\s>]|\b(src|href)=["']?https?:/); // nothing fetched (the browser test checks requests too)
  expect(html).toContain("ticks 1–150");
  expect(fs.readFileSync(runHtml, "utf8")).toContain("ticks 1–120");
  // VM charts mark workload phases (from the saved model: power-on at 1s plus each phase's `after`) and know their host
  expect(html).toContain('"default/app":[[61,"phase 1 (after 1m0s): allocated 3.0 GiB"],[301,"phase 2 (after 5m0s): allocated 1.0 GiB"]]');
  expect(html).toContain('"vmHost":[0,0,0]');
  // the same saved state gives the same bytes
  const twice = await memplane(["report", "--state", state, "-o", path.join(dir, "r2.html"), "--title", "what if <x>"]);
  expect(twice.code).toBe(0);
  expect(fs.readFileSync(path.join(dir, "r2.html"), "utf8")).toBe(html);

  expect(csv.code).toBe(0);
  const lines = csv.stdout.trimEnd().split("\n");
  expect(lines[0]).toBe("tick,object,metric,value");
  // 150 ticks × (8 host metrics + 3 VMs × 9 VM metrics)
  expect(lines).toHaveLength(1 + 150 * (8 + 3 * 9));
  expect(lines).toContain("1,host/esx-01,capacity_bytes,8589934592");
  expect(lines.filter((l) => l.startsWith("150,vm/default/app,")).map((l) => l.split(",")[2])).toEqual([
    "memory_bytes",
    "consumed_bytes",
    "balloon_bytes",
    "compressed_bytes",
    "swapped_bytes",
    "guestSwapped_bytes",
    "active_bytes",
    "entitlement_bytes",
    "memoryStallPercent",
  ]);
  for (const l of lines.slice(1)) expect(l).toMatch(/^\d+,(host\/[a-z0-9-]+|vm\/[a-z0-9-]+\/[a-z0-9-]+),[A-Za-z_]+,(-?\d+(\.\d+)?|high|clear|soft|hard|low)$/);

  expect(json.code).toBe(0);
  const data = JSON.parse(fs.readFileSync(path.join(dir, "m.json"), "utf8")) as { format: string; ticks: number[] };
  expect(data.format).toBe("memplane-metrics/v1");
  expect(data.ticks).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));

  // a damaged metrics.json: report refuses it; the next step warns and starts the series afresh
  fs.writeFileSync(path.join(state, "metrics.json"), "{");
  const damaged = await memplane(["report", "--state", state, "-o", path.join(dir, "x.html")]);
  expect(damaged.code).toBe(1);
  expect(damaged.stderr).toMatch(/^error: .*metrics\.json is damaged: not valid JSON .*\(delete it to start the metrics series afresh\)\n$/);
  const again = await memplane(["step", "-q", "--ticks", "2", "--state", state]);
  expect(again.code).toBe(0);
  expect(again.stderr).toMatch(/^warning: .*metrics\.json is damaged: not valid JSON .*; the metrics series starts afresh\n$/);
  const fresh = await memplane(["export", "metrics", "--state", state]);
  expect(new Set(fresh.stdout.trimEnd().split("\n").slice(1).map((l) => l.split(",")[0]))).toEqual(new Set(["151", "152"]));
});

test.concurrent("report and export explain what is missing", async () => {
  const { dir, state } = tempDir();
  const [noState, noOutput, badWhat, unwritable] = await Promise.all([
    memplane(["report", "--state", state, "-o", path.join(dir, "r.html")]),
    memplane(["report", "--state", state]),
    memplane(["export", "logs", "--state", state]),
    memplane(["run", "-q", "-f", SEED_STORY, "--ticks", "5", "--report", path.join(dir, "missing/r.html")]),
  ]);
  expect(noState.code).toBe(1);
  expect(noState.stderr).toMatch(/^error: no simulation is saved in .*state: run `memplane run -f PATH --state/);
  expect(noOutput.code).toBe(1); // -o defaults to ./memplane-report.html; nothing is written without a saved simulation
  expect(noOutput.stderr).toMatch(/^error: no simulation is saved in/);
  expect(badWhat.code).toBe(2);
  expect(unwritable.code).toBe(1);
  expect(unwritable.stderr).toMatch(/error: cannot write the report to .*missing\/r\.html: ENOENT/);
});
