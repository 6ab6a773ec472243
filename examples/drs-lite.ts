/**
 * Example (b) — a custom controller: "DRS-lite".
 *
 * vSphere DRS moves VMs between hosts when one is short of memory. This controller implements
 * the embedder's side of the controller contract (the same one the built-in controllers use):
 * each tick it looks at every Host, and when one is in the hard or low state and has been under
 * memory pressure (soft or worse) for at least `holdSeconds` without a break (it reads this
 * tick's state from the memory model, `ctx.model`, and remembers since when), it recommends moving that host's most-ballooned VM to the host
 * with the most free memory — logged once per episode, and again only when the recommendation
 * changes.
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
import { createEngine, formatSimTime, quantityToPages, type Controller, type ReconcileContext, type ReconcileRequest } from "memplane";

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
  /** Since when (simulated seconds) each host has been under memory pressure (soft or worse), without a break. */
  readonly #pressedSince = new Map<string, number>();
  /** The recommendation last logged for each host in this episode (`vm→to`). */
  readonly #logged = new Map<string, string>();

  constructor(private readonly holdSeconds = 30) {}

  reconcile(req: ReconcileRequest, ctx: ReconcileContext): void {
    if (ctx.tick !== this.#tick) {
      this.#tick = ctx.tick; // recommendations are per tick: nothing carries over
      this.#recommendations = [];
    }
    // The model's state is this tick's (host-state has run); the stored status is the last tick's.
    const state = ctx.model.host(req.name)?.state;
    if (state !== "soft" && state !== "hard" && state !== "low") {
      this.#pressedSince.delete(req.name);
      this.#logged.delete(req.name);
      return;
    }
    const since = this.#pressedSince.get(req.name) ?? ctx.timeSeconds;
    this.#pressedSince.set(req.name, since);
    if (state === "soft" || ctx.timeSeconds - since < this.holdSeconds) return;
    const vms = ctx.store
      .list("VirtualMachine")
      .filter((vm) => vm.spec.hostName === req.name && vm.status?.phase === "Running")
      .map((vm) => ({ vm, balloon: quantityToPages(vm.status!.memory.balloon) }))
      .sort((a, b) => b.balloon - a.balloon || a.vm.metadata.name.localeCompare(b.vm.metadata.name));
    const candidate = vms[0];
    if (!candidate || candidate.balloon === 0) return;
    const target = ctx.store
      .list("Host")
      .filter((h) => h.metadata.name !== req.name && (ctx.model.host(h.metadata.name)?.state === "high" || ctx.model.host(h.metadata.name)?.state === "clear"))
      .sort((a, b) => (ctx.model.host(b.metadata.name)?.free ?? 0) - (ctx.model.host(a.metadata.name)?.free ?? 0))[0];
    if (!target) return;
    const rec: Migration = {
      tick: ctx.tick,
      vm: candidate.vm.metadata.name,
      namespace: candidate.vm.metadata.namespace ?? "default",
      from: req.name,
      to: target.metadata.name,
      balloonMiB: Math.round(candidate.balloon / 256),
    };
    this.#recommendations.push(rec);
    // log a recommendation once per episode, and again only when it changes (as DRS lists it once)
    const key = `${rec.vm}→${rec.to}`;
    if (this.#logged.get(req.name) === key) return;
    this.#logged.set(req.name, key);
    ctx.log({
      kind: "VirtualMachine",
      namespace: rec.namespace,
      name: rec.vm,
      host: rec.from,
      action: "MigrationRecommended",
      from: rec.from,
      to: rec.to,
      reason: "HostStaysHard",
      message: `${req.name} has been under memory pressure since ${formatSimTime(since)} and is ${state} now; move the most-ballooned VM (${rec.balloonMiB}Mi) to ${rec.to}, the host with the most free memory`,
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
