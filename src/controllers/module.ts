/**
 * DI module multi-binding the built-in controllers to TOKENS.Controller, as singletons. The
 * manager runs them in CONTROLLER_ORDER (src/engine/controller.ts), not in binding order.
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
import { MomController } from "./mom/mom-controller.js";
import { SqueezedController } from "./squeezed/squeezed-controller.js";
import { HostStatusController } from "./status/host-status-controller.js";
import { VmStatusController } from "./status/vm-status-controller.js";

/** The built-in controller classes, in tick order. */
export const BUILTIN_CONTROLLERS = [
  ReservationController,
  WorkloadController,
  PageSharingController,
  HostStateController,
  EntitlementController,
  MomController,
  SqueezedController,
  BalloonController,
  SwapController,
  HostStatusController,
  VmStatusController,
] as const;

/** Binds every built-in controller to TOKENS.Controller as singletons. */
export const builtinControllersModule = new ContainerModule((options) => {
  for (const c of BUILTIN_CONTROLLERS) options.bind(TOKENS.Controller).to(c).inSingletonScope();
});
