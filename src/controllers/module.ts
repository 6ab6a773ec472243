/** DI module multi-binding the built-in controllers (filled in by the memory-model work). */
import { ContainerModule } from "inversify";

/** Binds every built-in controller to TOKENS.Controller as singletons. */
export const builtinControllersModule = new ContainerModule(() => {});
