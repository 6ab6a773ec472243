/**
 * Example (c) — rebinding the memory model.
 *
 * Every controller reaches the hypervisor through the memory model bound to
 * `TOKENS.MemoryModel` in the engine's inversify container. An embedder can bind a subclass —
 * here one whose compression cache packs four compressed pages into a host page instead of two
 * (a better compressor) — and every built-in controller uses it. Inversify 8 needs
 * `@injectFromBase` for a subclass to inherit its base class's constructor injections.
 *
 * The example runs the same overcommitted host with both models through `compareVariants`
 * (its `engineFactory` is where the rebinding happens) and reports what changed.
 *
 * Run it: `npm run build && node dist/examples/rebind-model.js`
 */
import "reflect-metadata";
import { pathToFileURL } from "node:url";
import { injectable, injectFromBase } from "inversify";
import { compareVariants, createEngine, HypervisorMemoryModel, parseManifestTextOrThrow, TOKENS, type MemoryModel } from "memplane";

/** The stock model with a 4:1 compression cache. */
@injectable()
@injectFromBase({ extendConstructorArguments: true })
export class BetterCompressionModel extends HypervisorMemoryModel {
  protected override compressionRatio = 4;
}

const CLUSTER = `
apiVersion: memplane.io/v1alpha1
kind: Host
metadata: {name: esx-01}
spec: {capacity: 4Gi, compression: {maxPercent: 20}}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: big}
spec:
  hostName: esx-01
  memory: 3Gi
  tools: {installed: false}
  workload: {allocated: 100%, active: 30, compressibility: 90}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: small}
spec:
  hostName: esx-01
  memory: 2Gi
  tools: {installed: false}
  workload: {allocated: 100%, active: 30, compressibility: 90}
`;

/** Compressed and swapped memory (MiB) and p95 stall of the big VM at the end, per model: the 4:1 cache costs less host memory, so less is swapped. */
export interface RebindSummary {
  modelClass: string;
  stock: { compressedMiB: number; swappedMiB: number; p95Stall: number };
  better: { compressedMiB: number; swappedMiB: number; p95Stall: number };
}

/** Runs the host with the stock model and with the rebound one. */
export function main(options: { ticks?: number } = {}): RebindSummary {
  const ticks = options.ticks ?? 300;
  const objects = parseManifestTextOrThrow(CLUSTER, "cluster.yaml");
  let modelClass = "";
  const report = compareVariants(
    [
      { name: "stock", objects },
      { name: "better", objects },
    ],
    {
      ticks,
      engineFactory: (opts, variant) => {
        const engine = createEngine(opts);
        if (variant.name === "better") {
          // rebind before the first step; each engine has its own container
          engine.container.rebind(TOKENS.MemoryModel).to(BetterCompressionModel).inSingletonScope();
          modelClass = engine.container.get<MemoryModel>(TOKENS.MemoryModel).constructor.name;
        }
        return engine;
      },
    },
  );
  const big = report.vms.find((v) => v.name === "big")!;
  const pick = (name: string) => {
    const o = big.outcomes[name]!;
    return { compressedMiB: Math.round(o.compressed.final / 256), swappedMiB: Math.round(o.swapped.final / 256), p95Stall: o.p95StallPercent };
  };
  return { modelClass, stock: pick("stock"), better: pick("better") };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(main(), null, 2));
}
