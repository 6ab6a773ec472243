/**
 * Example (b) — a custom controller: "DRS-lite".
 *
 * vSphere DRS moves VMs between hosts when one is short of memory. This controller implements
 * the embedder's side of the controller contract (the same one the built-in controllers use):
 * each tick it looks at every Host, and when one has been in the hard or low state for at least
 * `holdSeconds` (the MemoryPressure condition's lastTransitionTime says since when), it
 * recommends moving that host's most-ballooned VM to the host with the most free memory.
 *
 * Like DRS in partially automated mode, the controller only *recommends* (controllers read the
 * store and write status; they do not change desired state). The embedder's loop applies the
 * recommendation by patching the VM's `spec.hostName` through `engine.apply`, at most one move
 * per host per `cooldownSeconds` — the engine then powers the VM down on the old host and
 * admits it on the new one.
 *
 * Run it: `npm run build && node dist/examples/drs-lite.js`
 */
import "reflect-metadata";
import { pathToFileURL } from "node:url";
import { createEngine, timestampSeconds, quantityToPages, type Controller, type ReconcileContext, type ReconcileRequest } from "../src/index.js";

/** One recommended move. */
export interface Migration {
  tick: number;
  vm: string;
  namespace: string;
  from: string;
  to: string;
  /** The VM's balloon when it was chosen (MiB). */
  balloonMiB: number;
}

/** Recommends moving the most-ballooned VM off a host that stays in hard (or low) state. */
export class DrsLiteController implements Controller {
  readonly name = "drs-lite";
  readonly forKind = "Host" as const;
  #tick = 0;
  #recommendations: Migration[] = [];

  constructor(private readonly holdSeconds = 30) {}

  reconcile(req: ReconcileRequest, ctx: ReconcileContext): void {
    if (ctx.tick !== this.#tick) {
      this.#tick = ctx.tick; // recommendations are per tick: nothing carries over
      this.#recommendations = [];
    }
    const host = ctx.store.get("Host", req.name);
    const pressure = host?.status?.conditions.find((c) => c.type === "MemoryPressure");
    if (!host?.status || (host.status.state !== "hard" && host.status.state !== "low") || pressure?.status !== "True") return;
    // lastTransitionTime is RFC 3339 from the engine's epoch (the default one here)
    if (ctx.timeSeconds - timestampSeconds(pressure.lastTransitionTime) < this.holdSeconds) return;
    const vms = ctx.store
      .list("VirtualMachine")
      .filter((vm) => vm.spec.hostName === host.metadata.name && vm.status?.phase === "Running")
      .map((vm) => ({ vm, balloon: quantityToPages(vm.status!.memory.balloon) }))
      .sort((a, b) => b.balloon - a.balloon || a.vm.metadata.name.localeCompare(b.vm.metadata.name));
    const candidate = vms[0];
    if (!candidate || candidate.balloon === 0) return;
    const target = ctx.store
      .list("Host")
      .filter((h) => h.metadata.name !== host.metadata.name && h.status && (h.status.state === "high" || h.status.state === "clear"))
      .sort((a, b) => quantityToPages(b.status!.memory.free) - quantityToPages(a.status!.memory.free))[0];
    if (!target) return;
    const rec: Migration = {
      tick: ctx.tick,
      vm: candidate.vm.metadata.name,
      namespace: candidate.vm.metadata.namespace ?? "default",
      from: host.metadata.name,
      to: target.metadata.name,
      balloonMiB: Math.round(candidate.balloon / 256),
    };
    this.#recommendations.push(rec);
    ctx.log({
      kind: "VirtualMachine",
      namespace: rec.namespace,
      name: rec.vm,
      host: rec.from,
      action: "MigrationRecommended",
      from: rec.from,
      to: rec.to,
      reason: "HostStaysHard",
      message: `${host.metadata.name} has been ${host.status.state} since ${pressure.lastTransitionTime}; move the most-ballooned VM (${rec.balloonMiB}Mi) to ${rec.to}, the host with the most free memory`,
    });
  }

  /** The recommendations of the last tick. */
  get recommendations(): readonly Migration[] {
    return this.#recommendations;
  }
}

/** Sizes of the run. */
export interface DrsLiteOptions {
  ticks?: number;
  holdSeconds?: number;
  cooldownSeconds?: number;
}

/** What happened: the moves made and how long the crowded host spent in hard or low. */
export interface DrsLiteSummary {
  migrations: Migration[];
  /** Seconds esx-01 spent in hard or low. */
  crowdedHardSeconds: number;
  /** Where each VM ended up. */
  placement: Record<string, string>;
}

/** Runs a crowded host next to an empty one with DRS-lite acting on its recommendations. */
export function main(options: DrsLiteOptions = {}, print: (line: string) => void = () => {}): DrsLiteSummary {
  const { ticks = 600, holdSeconds = 30, cooldownSeconds = 60 } = options;
  const drs = new DrsLiteController(holdSeconds);
  const engine = createEngine({ seed: 3, controllers: { add: [drs] } });
  engine.logs$.subscribe((l) => {
    if (l.controller === "drs-lite" || l.action === "StateChanged") print(`${l.time} ${l.controller} ${l.kind}/${l.name} ${l.action} ${l.message}`);
  });
  const vm = (name: string) => ({
    apiVersion: "memplane.io/v1alpha1",
    kind: "VirtualMachine",
    metadata: { name },
    spec: { hostName: "esx-01", memory: "4Gi", workload: { allocated: "1Gi", active: 90, phases: [{ after: "30s", allocated: "3584Mi", rampSeconds: 60 }] } },
  });
  engine.apply([
    // an older host: slow balloon driver and slow swap datastore, so reclamation lags the growth
    { apiVersion: "memplane.io/v1alpha1", kind: "Host", metadata: { name: "esx-01" }, spec: { capacity: "8Gi", ballooning: { inflateRate: "8Mi" }, swap: { writeRate: "16Mi" } } },
    { apiVersion: "memplane.io/v1alpha1", kind: "Host", metadata: { name: "esx-02" }, spec: { capacity: "16Gi" } },
    vm("web"),
    vm("db"),
    vm("batch"),
  ]);
  const migrations: Migration[] = [];
  const lastMove = new Map<string, number>();
  let crowdedHardSeconds = 0;
  for (let i = 0; i < ticks; i++) {
    engine.step(1);
    const state = engine.store.get("Host", "esx-01")?.status?.state;
    if (state === "hard" || state === "low") crowdedHardSeconds += engine.options.tickSeconds;
    for (const rec of drs.recommendations) {
      if (engine.timeSeconds - (lastMove.get(rec.from) ?? -Infinity) < cooldownSeconds) continue;
      const current = engine.store.get("VirtualMachine", rec.vm, rec.namespace);
      if (!current || current.spec.hostName !== rec.from) continue;
      // the move: patch spec.hostName through the same apply path users have
      engine.apply({ apiVersion: current.apiVersion, kind: current.kind, metadata: { name: rec.vm, namespace: rec.namespace }, spec: { ...current.spec, hostName: rec.to } });
      lastMove.set(rec.from, engine.timeSeconds);
      migrations.push(rec);
    }
  }
  const placement = Object.fromEntries(engine.store.list("VirtualMachine").map((v) => [v.metadata.name, v.spec.hostName]));
  return { migrations, crowdedHardSeconds, placement };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(main({}, (line) => console.log(line)), null, 2));
}
