/** DI module binding the hypervisor memory model as a singleton behind TOKENS.MemoryModel. */
import { ContainerModule } from "inversify";
import { TOKENS } from "../di/tokens.js";
import { HypervisorMemoryModel } from "./memory-model.js";

/** Binds TOKENS.MemoryModel to {@link HypervisorMemoryModel} in singleton scope. */
export const hypervisorModule = new ContainerModule((options) => {
  options.bind(TOKENS.MemoryModel).to(HypervisorMemoryModel).inSingletonScope();
});
