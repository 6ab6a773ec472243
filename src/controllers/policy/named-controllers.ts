/**
 * The `mom` and `squeezed` controllers under the class names embedders may already import. The
 * engine itself binds one {@link PolicyBalloonController} per policy in the registry that
 * decides per host (src/controllers/module.ts), so a new policy needs no class here.
 */
import { injectable } from "inversify";
import { momPolicy } from "../../policies/mom/index.js";
import { squeezedPolicy } from "../../policies/squeezed/index.js";
import { PolicyBalloonController } from "./policy-balloon-controller.js";

/**
 * oVirt MOM's balloon controller for hosts with `spec.policy: mom`.
 * @deprecated Use `new PolicyBalloonController(momPolicy)`; the engine binds it by itself.
 */
@injectable()
export class MomController extends PolicyBalloonController {
  constructor() {
    super(momPolicy);
  }
}

/**
 * XenServer squeezed's balloon controller for hosts with `spec.policy: squeezed`.
 * @deprecated Use `new PolicyBalloonController(squeezedPolicy)`; the engine binds it by itself.
 */
@injectable()
export class SqueezedController extends PolicyBalloonController {
  constructor() {
    super(squeezedPolicy);
  }
}
