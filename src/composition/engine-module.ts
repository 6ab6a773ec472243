/**
 * The engine's own services as an inversify ContainerModule: options, clock, random generator,
 * store and controller manager — all singletons. The memory model and the built-in controllers
 * come from their own modules (`hypervisorModule`, `builtinControllersModule`).
 */
import { formatTimestamp } from "../api/timestamps.js";
import { ContainerModule } from "inversify";
import { ManualClock } from "../engine/clock.js";
import type { Controller } from "../engine/controller.js";
import { ControllerManager } from "../engine/manager.js";
import type { ResolvedEngineOptions } from "../engine/options.js";
import { SimulationRandom } from "../engine/random.js";
import { requireModel } from "../engine/model-binding.js";
import { orderControllers } from "../engine/registry.js";
import { MemoryStore } from "../store/memory-store.js";
import { runDueScenarioSteps } from "../scenario/runner.js";
import { TOKENS } from "../di/tokens.js";


/** Binds the engine's services for one set of resolved options. */
export function engineModule(options: ResolvedEngineOptions): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.EngineOptions).toConstantValue(options);
    bind(TOKENS.Clock)
      .toDynamicValue(() => new ManualClock(options.tickSeconds))
      .inSingletonScope();
    bind(TOKENS.Random)
      .toDynamicValue(() => new SimulationRandom(options.seed))
      .inSingletonScope();
    bind(TOKENS.Store)
      .toDynamicValue((context) => {
        const clock = context.get<ManualClock>(TOKENS.Clock);
        return new MemoryStore({ now: () => clock.timeSeconds, stamp: (seconds) => formatTimestamp(seconds, options.epoch) });
      })
      .inSingletonScope();
    bind(TOKENS.Manager)
      .toDynamicValue((context) => {
        const builtins = context.getAll<Controller>(TOKENS.Controller, { optional: true });
        const controllers = orderControllers({
          builtins,
          added: options.controllers.add,
          disable: options.controllers.disable,
        });
        const store = context.get<MemoryStore>(TOKENS.Store);
        return new ControllerManager({
          store,
          clock: context.get<ManualClock>(TOKENS.Clock),
          controllers,
          // resolved at each tick, so an embedder can rebind the model before the first step
          model: () => requireModel(context),
          maxEvents: options.maxEvents,
          // RFC 3339 times for lastTransitionTime and events, read at each tick (restore may bring another epoch)
          stamp: (seconds) => formatTimestamp(seconds, options.epoch),
          // only embedders' controllers are timed: built-in logs stay independent of machine load
          reconcileBudgetMs: options.reconcileBudgetMs,
          batch: options.batchReconcile,
          budgetedControllers: options.controllers.add.map((c) => c.name),
          // only embedders' controllers have their writes checked: built-ins are trusted (hot path)
          checkedControllers: options.controllers.add.map((c) => c.name),
          // Scenario steps due this tick are applied before any controller runs
          beforeControllers: (start) => runDueScenarioSteps(store, start),
        });
      })
      .inSingletonScope();
  });
}
