/**
 * Small fakes for engine tests: a memory model that does nothing, controllers built from a
 * function, and a manager wired to a fresh store and clock — no real model, no real controllers.
 */
import type { Kind } from "../../src/api/types.js";
import { ContainerModule } from "inversify";
import { TOKENS } from "../../src/di/tokens.js";
import { ManualClock } from "../../src/engine/clock.js";
import type { Controller, ReconcileContext, ReconcileRequest, ReconcileResult } from "../../src/engine/controller.js";
import { ControllerManager } from "../../src/engine/manager.js";
import type { MemoryModel } from "../../src/hypervisor/memory-model.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import { createEngineContainer } from "../../src/composition/container.js";
import { SimulationEngine } from "../../src/engine/engine.js";
import { resolveEngineOptions, type EngineOptions } from "../../src/engine/options.js";

/** A memory model with state you can set, for snapshot tests; only snapshot/restore are real. */
export class FakeModel implements Pick<MemoryModel, "restore"> {
  state: Record<string, unknown> = {};
  snapshot(): Record<string, unknown> {
    return structuredClone(this.state);
  }
  restore(snapshot: unknown): void {
    this.state = structuredClone(snapshot) as Record<string, unknown>;
  }
}

/** A controller from a reconcile function. */
export function controller(
  name: string,
  forKind: Kind,
  reconcile: (req: ReconcileRequest, ctx: ReconcileContext) => void | ReconcileResult = () => undefined,
): Controller {
  return { name, forKind, reconcile };
}

/** A container module binding a FakeModel (singleton) as TOKENS.MemoryModel and the given built-ins. */
export function fakeModules(builtins: Controller[] = [], model: FakeModel = new FakeModel()): ContainerModule[] {
  return [
    new ContainerModule(({ bind }) => {
      bind(TOKENS.MemoryModel).toConstantValue(model);
      for (const c of builtins) bind(TOKENS.Controller).toConstantValue(c);
    }),
  ];
}

/** A manager over a fresh store and clock with these controllers (already in order). */
export function managerFixture(controllers: Controller[], options: { maxEvents?: number; model?: FakeModel } = {}) {
  const clock = new ManualClock(1);
  const store = new MemoryStore({ now: () => clock.timeSeconds });
  const model = options.model ?? new FakeModel();
  const manager = new ControllerManager({ store, clock, controllers, model: () => model as unknown as MemoryModel, maxEvents: options.maxEvents });
  return { clock, store, manager, model };
}

/** An engine over fake modules (a FakeModel and the given built-ins) instead of the real model and controllers. */
export function fakeEngine(options: EngineOptions = {}, builtins: Controller[] = [], model: FakeModel = new FakeModel()) {
  const engine = new SimulationEngine(createEngineContainer(resolveEngineOptions(options), fakeModules(builtins, model)));
  return { engine, model };
}
