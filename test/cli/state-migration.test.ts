/**
 * A state saved before fidelity v2 (`memplane-state/v1`) stores `vmkernelReserved: "0"` as the
 * written default: loading it migrates those hosts to the new `auto` default explicitly — one
 * warning line naming them — and a host that asks for 0 afterwards keeps 0.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { FIXTURES, ROOT, memplane, requireBuild, tempDir } from "./cli-harness.js";

const CLUSTER = path.join(FIXTURES, "cluster");
const PAGE = 4096;

requireBuild();

interface Saved {
  format: string;
  engine: {
    store: { objects: { kind: string; metadata: { name: string; generation: number }; spec: Record<string, unknown> }[] };
    model: { hosts: { name: string; free: number; spec: { vmkernelReserved: number } }[] };
  };
}

const read = (state: string): Saved => JSON.parse(fs.readFileSync(path.join(state, "state.json"), "utf8")) as Saved;

/** Rewrites a saved state as the v1 code wrote it: the format tag and the old default of 0 everywhere. */
function makeV1(state: string): void {
  const saved = read(state);
  saved.format = "memplane-state/v1";
  for (const o of saved.engine.store.objects) if (o.kind === "Host") o.spec.vmkernelReserved = "0";
  for (const h of saved.engine.model.hosts) {
    h.free += h.spec.vmkernelReserved;
    h.spec.vmkernelReserved = 0;
  }
  fs.writeFileSync(path.join(state, "state.json"), JSON.stringify(saved));
}

const hostFree = (state: string): number => read(state).engine.model.hosts.find((h) => h.name === "esx-01")!.free;

test("a v1 state is migrated to the auto vmkernel reservation, saying so in one line; an explicit 0 stays possible", async () => {
  const { state } = tempDir();
  expect((await memplane(["apply", "-f", CLUSTER, "--state", state])).code).toBe(0);
  expect((await memplane(["step", "--ticks", "3", "--state", state])).code).toBe(0);
  makeV1(state);
  const before = hostFree(state);

  const r = await memplane(["step", "--ticks", "2", "--state", state]);
  expect(r.code).toBe(0);
  const warnings = r.stderr.split("\n").filter((l) => l.startsWith("warning:"));
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatch(/migrated memplane-state\/v1 to memplane-state\/v2: host esx-01 had vmkernelReserved 0, the old default/);
  expect(warnings[0]).toMatch(/apply vmkernelReserved: 0 to a host that should keep none/);

  const saved = read(state);
  expect(saved.format).toBe("memplane-state/v3");
  const host = saved.engine.store.objects.find((o) => o.kind === "Host")!;
  expect(host.spec.vmkernelReserved).toBe("auto");
  // 8 GiB host: auto = 1 GiB + 1 % of 8 GiB = 1105.9 MiB → 1105 MiB, taken from free memory at the next tick
  const reserved = 1105 * 256;
  expect(saved.engine.model.hosts[0]!.spec.vmkernelReserved).toBe(reserved);
  expect(before - hostFree(state)).toBeGreaterThanOrEqual(reserved - 64 * 256); // guests moved a little meanwhile

  // saved in the current format now: the next command says nothing more
  const again = await memplane(["step", "--state", state]);
  expect(again.stderr).not.toMatch(/migrated/);

  // a host may still ask for no reservation at all
  const { dir } = tempDir();
  const zero = path.join(dir, "host.yaml");
  fs.writeFileSync(zero, "apiVersion: memplane.io/v1alpha1\nkind: Host\nmetadata: {name: esx-01}\nspec: {capacity: 8Gi, vmkernelReserved: 0}\n");
  expect((await memplane(["apply", "-f", zero, "--state", state])).code).toBe(0);
  expect((await memplane(["step", "--state", state])).code).toBe(0);
  const after = read(state);
  expect(after.engine.store.objects.find((o) => o.kind === "Host")!.spec.vmkernelReserved).toBe("0");
  expect(after.engine.model.hosts[0]!.spec.vmkernelReserved).toBe(0);
  expect(hostFree(state) * PAGE).toBeGreaterThan(0);
});

const STATE_V2 = path.join(ROOT, "test/fixtures/state-v2");

/** A copy of the v2 fixture in a fresh state directory. */
function copyOfV2(): string {
  const { state } = tempDir();
  fs.mkdirSync(state);
  for (const f of ["state.json", "log.jsonl"]) fs.copyFileSync(path.join(STATE_V2, f), path.join(state, f));
  return state;
}

test("a state saved before the columnar model and per-host random streams (memplane-state/v2, model version 1) loads with every record, draw state and log entry, then continues with fresh per-host streams", async () => {
  const migrated = copyOfV2();
  expect(read(migrated).format).toBe("memplane-state/v2");
  type Engine = { store: unknown; random: unknown; randomStreams?: unknown; model: { version: number; vms: unknown } };
  const old = JSON.parse(fs.readFileSync(path.join(STATE_V2, "state.json"), "utf8")) as { engine: Engine };

  // loaded and saved again at the same tick: nothing a user sees changed
  const r = await memplane(["step", "--ticks", "0", "--state", migrated]);
  expect(r.code).toBe(0);
  expect(r.stderr).not.toMatch(/warning|error/);
  const saved = JSON.parse(fs.readFileSync(path.join(migrated, "state.json"), "utf8")) as { format: string; engine: Engine };
  expect(saved.format).toBe("memplane-state/v3");
  expect(saved.engine.model.version).toBe(2);
  expect(saved.engine.store).toEqual(old.engine.store);
  expect(saved.engine.random).toEqual(old.engine.random);
  expect(saved.engine.model.vms).toEqual(old.engine.model.vms);
  expect(saved.engine.randomStreams).toEqual({}); // saved before per-host streams: they start afresh
  expect(fs.readFileSync(path.join(migrated, "log.jsonl"), "utf8")).toBe(fs.readFileSync(path.join(STATE_V2, "log.jsonl"), "utf8"));

  // it runs on, each host drawing from its own stream (docs/memory-model.md §1), the same way every time
  const again = copyOfV2();
  for (const dir of [migrated, again]) expect((await memplane(["step", "--ticks", "5", "--state", dir])).code).toBe(0);
  const after = JSON.parse(fs.readFileSync(path.join(migrated, "state.json"), "utf8")) as { tick: number; engine: { randomStreams: Record<string, number[]> } };
  expect(after.tick).toBe(25);
  expect(Object.keys(after.engine.randomStreams)).toEqual(["esx-small"]);
  expect(fs.readFileSync(path.join(migrated, "state.json"), "utf8")).toBe(fs.readFileSync(path.join(again, "state.json"), "utf8"));
  expect(fs.readFileSync(path.join(migrated, "log.jsonl"), "utf8")).toBe(fs.readFileSync(path.join(again, "log.jsonl"), "utf8"));
});

test("a state of a newer format is refused in one paragraph naming the file and both versions", async () => {
  const { state } = tempDir();
  fs.mkdirSync(state);
  const saved = JSON.parse(fs.readFileSync(path.join(STATE_V2, "state.json"), "utf8")) as { format: string };
  saved.format = "memplane-state/v9";
  fs.writeFileSync(path.join(state, "state.json"), JSON.stringify(saved));
  fs.copyFileSync(path.join(STATE_V2, "log.jsonl"), path.join(state, "log.jsonl"));

  const r = await memplane(["step", "--state", state]);
  expect(r.code).toBe(1);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(/^error: cannot read saved state .*state\.json: unknown format "memplane-state\/v9" \(this memplane reads memplane-state\/v3 and migrates memplane-state\/v1 and memplane-state\/v2/);
  expect(r.stderr).not.toMatch(/\n\s+at /);
});
