/**
 * page-sharing controller — transparent page sharing (docs/memory-model.md §9).
 *
 * Why it exists: identical pages need only one host copy. Zero pages are shared within a VM;
 * with salting off, identical pages of VMs with the same guest OS are shared across VMs. The
 * scan covers a VM's memory once per `scanMinutes` (faster in clear and lower states), and with
 * large pages nothing is shared while the host is above `largePageBreak` % of minFree.
 */
import { injectable } from "inversify";
import type { Controller, ReconcileContext, ReconcileRequest } from "../../engine/controller.js";
import { hostFor } from "../shared/context.js";

/** Scans each host's VMs for shareable pages. */
@injectable()
export class PageSharingController implements Controller {
  readonly name = "page-sharing";
  readonly forKind = "Host" as const;

  reconcile(req: ReconcileRequest, ctx: ReconcileContext): void {
    const host = hostFor(req, ctx);
    if (host) ctx.model.scanSharing(host, ctx.tickSeconds);
  }
}
