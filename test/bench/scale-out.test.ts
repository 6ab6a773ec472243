/**
 * Smoke test of `npm run bench:scale-out --quick` (1 and 2 worker processes on a throwaway etcd,
 * 200 VMs, 5 ticks): every row is there with its figures, the workers really held the shards,
 * the accounted tick's status went to etcd, and the table and the flags parse. No timing
 * assertions: benchmarks are not tests. Skipped without etcd outside CI (describeWithEtcd).
 */
import { describe, expect, test } from "@jest/globals";
import { keyKind } from "../../bench/key-bytes.js";
import { pad, SimKeys } from "../../src/etcd/workers/keys.js";
import { parseMetrics } from "../../bench/etcd-process.js";
import { parseScaleOutArgs, renderScaleOut, runScaleOut } from "../../bench/scale-out.js";
import { BIN, requireBuild } from "../cli/cli-harness.js";
import { describeWithEtcd } from "../helpers/etcd-server.js";

describe("scale-out bench flags and parts", () => {
  test("--quick means 1 and 2 workers, 200 VMs, 5 ticks; the defaults are 1,2,4 workers at 1 000 and 10 000 VMs, 20 ticks", () => {
    expect(parseScaleOutArgs([])).toMatchObject({ workers: [1, 2, 4], vms: [1000, 10_000], ticks: 20, warmupTicks: 5, json: false });
    expect(parseScaleOutArgs(["--quick"])).toMatchObject({ workers: [1, 2], vms: [200], ticks: 5 });
    expect(parseScaleOutArgs(["--quick", "--ticks", "3", "--json"])).toMatchObject({ ticks: 3, json: true });
    expect(() => parseScaleOutArgs(["--workers", "0"])).toThrow(/--workers: expected a whole number ≥ 1/);
    expect(() => parseScaleOutArgs(["--bogus"])).toThrow(/unknown flag --bogus; usage: npm run bench:scale-out/);
  });

  test("keys are counted under the kind the workers' key layout gives them", () => {
    expect(keyKind("objects/virtualmachines/default/vm-1")).toBe("objects");
    // the keys as the workers make them (src/etcd/workers/keys.ts), relative to the prefix
    const keys = new SimKeys("");
    const rel = (key: string): string => key.slice(1);
    expect(keyKind(rel(keys.inbox(1, 0) + pad(7)))).toBe("calls");
    expect(keyKind(rel(keys.parts(1, 0, "in", 7) + "000000"))).toBe("calls");
    expect(keyKind(rel(keys.outbox(1, 0) + pad(7)))).toBe("answers");
    expect(keyKind(rel(keys.parts(1, 1, "out", 7) + "000000"))).toBe("answers");
    expect(keyKind(rel(keys.checkpoint(1, 1)))).toBe("checkpoints");
    expect(keyKind(rel(keys.parts(1, 1, "checkpoint", 10) + "000001"))).toBe("checkpoints");
    expect(keyKind(rel(keys.assign(1, 1)))).toBe("other");
    expect(keyKind("engine/checkpoint")).toBe("engine");
    expect(keyKind("sim/workers/w1")).toBe("other");
  });

  test("Prometheus samples are summed over their labels", () => {
    const m = parseMetrics('# HELP x\netcd_mvcc_put_total 12\ngrpc_bytes{a="1"} 2\ngrpc_bytes{a="2"} 3.5\netcd_db 1.5e+06\n');
    expect(Object.fromEntries(m)).toEqual({ etcd_mvcc_put_total: 12, grpc_bytes: 5.5, etcd_db: 1_500_000 });
  });
});

describeWithEtcd("scale-out bench --quick on a throwaway etcd", () => {
  test("measures the single-process engine and 1 and 2 worker processes at 200 VMs", async () => {
    requireBuild();
    const report = await runScaleOut({ ...parseScaleOutArgs(["--quick"]), cliPath: BIN });
    expect(report.complete).toBe(true);
    expect(report.rows.map((r) => [r.engine, r.workers, r.shards, r.vms, r.hosts, r.ticks])).toEqual([
      ["single process", 0, 0, 200, 2, 5],
      ["etcd workers", 1, 2, 200, 2, 5],
      ["etcd workers", 2, 2, 200, 2, 5],
    ]);
    for (const r of report.rows) {
      expect(r.vmTicksPerSecond).toBeGreaterThan(0);
      expect(r.msPerTick).toBeGreaterThan(0);
      expect(r.logEntriesPerTick).toBeGreaterThan(0); // busy: workloads ramp
    }
    const [one, two] = report.rows.slice(1).map((r) => r.etcd!);
    expect(one!.shardsOf).toEqual({ w1: [0, 1] });
    expect(Object.keys(two!.shardsOf).sort()).toEqual(["w1", "w2"]); // each worker holds one shard
    expect(Object.values(two!.shardsOf).flat().sort()).toEqual([0, 1]);
    for (const e of [one!, two!]) {
      expect(e.putsPerSecond).toBeGreaterThan(0);
      expect(e.revisionsPerTick).toBeGreaterThanOrEqual(4); // two calls and two answers per tick at least
      expect(e.oneTick.bytes.objects.puts).toBeGreaterThan(0); // the tick's status was published
      expect(e.oneTick.statusBytesPerVm).toBeGreaterThan(0);
      expect(Object.keys(e.oneTick.answersByMethod)).toEqual(expect.arrayContaining(["phase1", "phase2"]));
      expect(e.checkpoint.bytes).toBeGreaterThan(0);
    }
    const table = renderScaleOut(report);
    expect(table).toContain("| 200 | single process |");
    expect(table).toContain("| 200 | 2 workers | 2 |");
    expect(table).toContain("answers: phase2");
  }, 300_000);
});
