/** Builds the inversify container of one engine. */
import { Container, type ContainerModule } from "inversify";
import { builtinControllersModule } from "../controllers/module.js";
import { hypervisorModule } from "../hypervisor/module.js";
import type { ResolvedEngineOptions } from "../engine/options.js";
import { engineModule } from "./engine-module.js";

/** The modules `createEngine` loads after {@link engineModule}: the memory model and the built-in controllers. */
export const DEFAULT_ENGINE_MODULES: readonly ContainerModule[] = [hypervisorModule, builtinControllersModule];

/** A container with the engine's services and the given modules (default: the real model and controllers). */
export function createEngineContainer(
  options: ResolvedEngineOptions,
  modules: readonly ContainerModule[] = DEFAULT_ENGINE_MODULES,
): Container {
  const container = new Container({ defaultScope: "Singleton" });
  container.load(engineModule(options), ...modules);
  return container;
}
