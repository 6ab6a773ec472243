/**
 * DI module multi-binding the built-in controllers to TOKENS.Controller, as singletons: the
 * fixed ones, and one PolicyBalloonController per policy in the registry that decides balloon
 * targets per host (`mom`, `squeezed`). The manager runs them in CONTROLLER_ORDER
 * (src/engine/controller.ts), not in binding order.
 */
import { ContainerModule } from "inversify";
import { TOKENS } from "../di/tokens.js";
import { ReservationController } from "./reservation/reservation-controller.js";
import { WorkloadController } from "./workload/workload-controller.js";
import { PageSharingController } from "./page-sharing/page-sharing-controller.js";
import { HostStateController } from "./host-state/host-state-controller.js";
import { EntitlementController } from "./entitlement/entitlement-controller.js";
import { BalloonController } from "./balloon/balloon-controller.js";
import { SwapController } from "./swap/swap-controller.js";
import { HostStatusController } from "./status/host-status-controller.js";
import { VmStatusController } from "./status/vm-status-controller.js";
import { PolicyBalloonController } from "./policy/policy-balloon-controller.js";
import { HOST_SCOPED_POLICIES } from "../policies/registry.js";

/** The built-in controller classes, in tick order (the per-host policy controllers run before `balloon`). */
export const BUILTIN_CONTROLLERS = [
  ReservationController,
  WorkloadController,
  PageSharingController,
  HostStateController,
  EntitlementController,
  BalloonController,
  SwapController,
  HostStatusController,
  VmStatusController,
] as const;

/** Binds every built-in controller to TOKENS.Controller as singletons. */
export const builtinControllersModule = new ContainerModule((options) => {
  for (const c of BUILTIN_CONTROLLERS) options.bind(TOKENS.Controller).to(c).inSingletonScope();
  for (const policy of HOST_SCOPED_POLICIES) options.bind(TOKENS.Controller).toDynamicValue(() => new PolicyBalloonController(policy)).inSingletonScope();
});
