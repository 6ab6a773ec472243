/**
 * page-sharing controller — transparent page sharing (docs/memory-model.md §9).
 *
 * Why it exists: identical pages need only one host copy. Zero pages are shared within a VM;
 * with salting off, identical pages of VMs with the same guest OS are shared across VMs. The
 * scan covers a VM's memory once per `scanMinutes` (faster in clear and lower states), and with
 * large pages nothing is shared while the host is above `largePageBreak` % of minFree.
 */
import { injectable } from "inversify";
import type { ReconcileContext } from "../../engine/controller.js";
import { HostRecordController } from "../shared/record-controller.js";
import type { HostRecord } from "../../hypervisor/ledger.js";

/** Scans each host's VMs for shareable pages. */
@injectable()
export class PageSharingController extends HostRecordController {
  readonly name = "page-sharing";

  protected reconcileHost(host: HostRecord, _object: unknown, ctx: ReconcileContext): void {
    ctx.model.scanSharing(host, ctx.tickSeconds);
  }
}
