/** DI module binding the hypervisor memory model (filled in by the memory-model work). */
import { ContainerModule } from "inversify";

/** Binds TOKENS.MemoryModel as a singleton. */
export const hypervisorModule = new ContainerModule(() => {});
