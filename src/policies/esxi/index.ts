/**
 * The `esxi` policy (the default): VMware ESXi's memory reclamation as docs/memory-model.md
 * describes it — balloon targets per VM from the host state and the VM's entitlement, then
 * compression and hypervisor swapping for whatever the balloon cannot reclaim.
 */
import type { PolicyPlugin } from "../policy.js";
import { esxiBalloonRule } from "./balloon.js";
import { esxiPageOutRule } from "./page-out.js";

export { balloonDoneReason, esxiPageOutDecision } from "./page-out.js";
export { esxiBalloonCaps, esxiBalloonDecision, type BalloonCapInput } from "./balloon.js";

/** VMware ESXi's reclamation: ballooning by host state and entitlement, then compression and swapping. */
export const esxiPolicy: PolicyPlugin = {
  name: "esxi",
  title: "ESXi",
  summary:
    "the host's memory state and each VM's entitlement (shares, idle tax) set balloon targets VM by VM, and whatever the balloon cannot reclaim is compressed and swapped by the hypervisor",
  sources: [
    "docs/memory-model.md §5–§8 (memory states, entitlement, ballooning, compression and swapping)",
    "VMware: the vSphere Resource Management guide, esxtop's MCTLTGT, MCTLMAX and SWTGT, Mem.CtlMaxPercent and Mem.AppBalloonMaxSlack",
    "C. Waldspurger, Memory Resource Management in VMware ESX Server, OSDI 2002",
    "the seed article, How does memory ballooning work (http://blog.jgriffiths.org/how-does-memory-ballooning-work/)",
  ],
  guestTools: "VMware Tools",
  withoutBalloonDriver: "any reclaim need goes straight to compression and hypervisor swapping, which pick pages blindly",
  reasons: {
    NoBalloonDriver: "VMware Tools are not installed, so there is no balloon driver",
    BallooningDisabled: "ballooning is disabled on its host",
    OverLimit: "it wants more than its limit (the host backs no more than the limit)",
    HostStateSoft: "its host is soft",
    HostStateHard: "its host is hard",
    HostStateLow: "its host is low",
    HostStateHigh: "its host is high",
    HostStateClear: "its host is clear",
    PressureRelieved: "there is no reclaim need: the balloon deflates toward the entitlement",
    CannotBalloon: "its host is soft and its balloon can do no more",
    noDriver: "it has no balloon driver (no tools, or ballooning disabled on its host)",
    unresponsive: "its balloon driver is stuck (unresponsive)",
    stalled: "its balloon stalled (guest swap full)",
    atMaximum: "its balloon is at its maximum",
    paced: "it is over its limit and its balloon has reached used memory, which the guest pages out only at its paging rate",
  },
  balloon: esxiBalloonRule,
  pageOut: esxiPageOutRule,
  pageSharing: { kind: "tps" },
};
