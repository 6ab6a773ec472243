/**
 * Relief (docs/memory-model.md, *Ballooning*): when a hog powers off under pressure and the host
 * climbs back to `high`, every policy gives the balloons back — ESXi's target falls to 0 in high,
 * as MOM's and squeezed's do (manifests/examples/relief).
 */
import "reflect-metadata";
import { createEngine, quantityToPages } from "memplane";
import type { Engine } from "memplane";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const EXAMPLE = join(process.cwd(), "manifests", "examples", "relief");

/** The relief example (manifests/examples/relief) with its host running `policy`. */
function reliefCluster(policy: string): string {
  const text = readdirSync(EXAMPLE)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => readFileSync(join(EXAMPLE, f), "utf8"))
    .join("\n---\n");
  const withPolicy = text.replace("  capacity: 8Gi\n", `  capacity: 8Gi\n  policy: ${policy}\n`);
  if (withPolicy === text) throw new Error("relief example: host capacity line not found");
  return withPolicy;
}

const pages = (engine: Engine, kind: "Host" | "VirtualMachine", name: string, field: string): number => {
  const obj = engine.store.get(kind, name, kind === "VirtualMachine" ? "default" : undefined);
  return quantityToPages((obj?.status?.memory as Record<string, string>)[field]!);
};

describe.each(["esxi", "mom", "squeezed"])("relief under %s", (policy) => {
  test("balloons deflate to ≤ 5 % of their peak within 5 simulated minutes of the host returning to high", () => {
    const engine = createEngine({ seed: 1 });
    engine.apply(reliefCluster(policy));
    let peak = 0;
    let highAgainAt = -1;
    for (let t = 1; t <= 1800; t++) {
      engine.step(1);
      const balloon = pages(engine, "VirtualMachine", "app", "balloon");
      const state = engine.store.get("Host", "esx-01")!.status!.state;
      if (t <= 360) peak = Math.max(peak, balloon);
      if (t > 360 && highAgainAt < 0 && state === "high") highAgainAt = t;
      if (highAgainAt > 0 && t === highAgainAt + 300) break;
    }
    expect(peak).toBeGreaterThan(256 * 256); // the pressure really ballooned app (> 256 MiB)
    expect(highAgainAt).toBeGreaterThan(360);
    expect(pages(engine, "VirtualMachine", "app", "balloon")).toBeLessThanOrEqual(Math.floor(peak * 0.05));
  });
});
