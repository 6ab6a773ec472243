/**
 * The embedding story of docs/library.md: subclass the real memory model (here: a better
 * compression ratio) and rebind it before the first step; every built-in controller uses it.
 */
import "reflect-metadata";
import { injectable, injectFromBase } from "inversify";
import { createEngine, HypervisorMemoryModel, TOKENS, type MemoryModel } from "../../../src/index.js";

// inversify 8 does not inherit constructor injections unless asked to
@injectable()
@injectFromBase({ extendConstructorArguments: true })
class BetterZipModel extends HypervisorMemoryModel {
  protected override compressionRatio = 4;
}

describe("rebinding the memory model", () => {
  it("uses the subclass registered before the first step", () => {
    const engine = createEngine();
    engine.container.rebind(TOKENS.MemoryModel).to(BetterZipModel).inSingletonScope();
    const errors: string[] = [];
    engine.logs$.subscribe((e) => e.action === "ReconcileError" && errors.push(e.message));
    engine.apply(`
apiVersion: memplane.io/v1alpha1
kind: Host
metadata: { name: esx-01 }
spec: { capacity: 2Gi }
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: { name: big }
spec: { hostName: esx-01, memory: 4Gi, workload: { allocated: 100%, active: 100 } }
`);
    engine.step(60);
    expect(errors).toEqual([]);
    expect(engine.store.get("VirtualMachine", "big")?.status?.phase).toBe("Running");
    const model = engine.container.get<MemoryModel>(TOKENS.MemoryModel);
    expect(model).toBeInstanceOf(BetterZipModel);
    expect(model.host("esx-01")).toBeDefined();
  });
});
