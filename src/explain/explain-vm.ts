/**
 * `explainVm`: why a VM is where it is at a tick, in plain words and with the numbers — which
 * bound set its entitlement (docs/memory-model.md §6), which cap set its balloon maximum and why the
 * target is what it is (§7), why it is compressed or swapped (§8), and its admission (§10).
 *
 * At the current tick the decisions are recomputed from the model with the controllers' rules
 * (records are only kept on a target change, and only the newest 32 per object); for an earlier
 * tick the newest decision record at or before it is used, and the text says when the records do
 * not reach back that far.
 */
import type { Engine } from "../engine/engine.js";
import {
  DECISION_RETENTION,
  decisionAt,
  type AdmissionDecision,
  type BalloonDecision,
  type DecisionRecord,
  type EntitlementDecision,
  type SwapDecision,
} from "../hypervisor/decisions.js";
import { compressedOf, freeOf, swappedOf, usedOf, type HostRecord, type VmRecord } from "../hypervisor/ledger.js";
import { isHostScoped, type HostScopedPolicy, type PolicyPlugin, type PolicyReader } from "../policies/policy.js";
import { policyOf } from "../policies/registry.js";
import type { MemoryModelReader } from "../hypervisor/memory-model.js";
import { ExplainError } from "./errors.js";
import { explainReader, liveBalloon, liveEntitlement, liveHostBalloon, liveSwap } from "./live.js";
import { modelOf, tickToExplain } from "./model-access.js";
import { hostStateSentence } from "./host-words.js";
import { reclaimCause } from "./cause.js";
import { paragraph, pct, size, tickAt } from "./words.js";

/** An explanation: the text, the stored decision records it used and any decisions recomputed now. */
export interface Explanation {
  /** Plain words with the numbers, one paragraph per topic. */
  text: string;
  /** The stored decision records the explanation used (newest of each type at or before the tick). */
  records: DecisionRecord[];
  /** Decisions recomputed from the model at the current tick (empty for an earlier tick). */
  live: DecisionRecord[];
  /** The tick explained. */
  tick: number;
}

/** Why a VM's balloon, swap and entitlement are what they are at `tick` (default: now). */
export function explainVm(engine: Engine, name: string, namespace = "default", tick?: number): Explanation {
  const model = modelOf(engine);
  const vm = model.vm(namespace, name);
  if (!vm) throw new ExplainError("NotFound", `virtualmachines "${name}" not found in namespace "${namespace}"`);
  const at = tickToExplain(engine, tick);
  const now = at === engine.tick;
  const ts = engine.options.tickSeconds;
  const host = model.host(vm.hostName);
  const ring = vm.decisions;

  const adm = decisionAt(ring, "admission", at);
  const recEnt = decisionAt(ring, "entitlement", at);
  const recBal = decisionAt(ring, "balloon", at);
  const recSwap = decisionAt(ring, "swap", at);
  const recHost = host ? decisionAt(host.decisions, "hostState", at) : undefined;
  const records = [adm, recEnt, recBal, recSwap, recHost].filter((r): r is NonNullable<typeof r> => r !== undefined);

  const header = `vm ${namespace}/${name} on host ${vm.hostName}, ${tickAt(at, ts)}`;
  if (!now) {
    const oldest = ring.list()[0]?.tick;
    const truncated = ring.length >= DECISION_RETENTION && oldest !== undefined && oldest > at;
    const lines = [`${header}, from its decision records (the newest at or before that tick):`];
    if (truncated) lines.push(boundedNote(`vm ${name}`, oldest, at));
    if (adm) lines.push(admissionText(adm, ts));
    if (recEnt) lines.push(entitlementText(recEnt, vm.hostName, ts));
    if (recBal) lines.push(balloonText(recBal, recBal, vm, ts));
    if (recSwap) lines.push(swapText(recSwap, undefined, ts));
    if (host) lines.push(hostStateSentence(host, recHost, at, ts));
    if (!truncated && !recEnt && !recBal && !recSwap && !adm) lines.push("No decision about this VM was recorded at or before that tick.");
    return { text: lines.join("\n") + "\n", records, live: [], tick: at };
  }

  const lines: string[] = [];
  lines.push(`${header}: ${vm.phase}.`);
  if (vm.phase !== "Running" || !host) {
    lines.push(notRunningText(vm, adm, ts));
    return { text: lines.join("\n") + "\n", records, live: [], tick: at };
  }
  const policy = policyOf(host.spec.policy);
  if (!policy) throw new ExplainError("NotFound", `host ${host.name} runs policy "${host.spec.policy}", which this version does not know`);
  const reader = explainReader(model, engine.store);
  const ent = liveEntitlement(model, host, vm, at);
  const bal = liveBalloon(reader, policy, host, vm, at);
  const swap = liveSwap(reader, model, policy, host, vm, at);
  const numbers = `Running; consumes ${size(model.consumed(vm))} of ${size(vm.memory)}, entitlement ${size(vm.entitlement)}, balloon ${size(vm.balloon)}, compressed ${size(compressedOf(vm))}, swapped ${size(swappedOf(vm))}, stall ${pct(vm.stallPercent)}.`;
  // the cause in time first, then the numbers
  const cause = reclaimCause(engine.store.get("VirtualMachine", name, namespace)?.status?.conditions, model, policy, host, vm, ts, engine.options.epoch);
  if (cause === undefined) lines[0] = `${header}: ${numbers}`;
  else lines.splice(0, 1, `${header}: ${cause}.`, numbers);
  if (adm) lines.push(admissionText(adm, ts));
  if (ent) lines.push(entitlementText(ent, host.name, ts, true));
  if (bal) lines.push(balloonText(bal, recBal, vm, ts, true));
  else if (isHostScoped(policy)) lines.push(hostPolicyText(reader, model, policy, host, vm, engine.timeSeconds));
  if (swap) lines.push(swapText(swap, balloonDoneWords(policy, swap, vm, host), ts, true));
  else lines.push(`Compression and hypervisor swapping: ${policy.title} does not compress or swap guest memory, so nothing is paged out by the hypervisor on host ${host.name}.`);
  if (vm.stallPercent > 0) lines.push(stallText(vm));
  lines.push(hostStateSentence(host, recHost, at, ts, true, model.vmsOf(host)));
  return { text: lines.join("\n") + "\n", records, live: [ent, bal, swap].filter((r): r is NonNullable<typeof r> => r !== undefined), tick: at };
}

/**
 * The balloon of a VM on a host whose policy decides per host (MOM, squeezed, hyperv): the policy in its
 * own words, and what its rules decide for this VM now (src/policies/).
 */
function hostPolicyText(reader: PolicyReader, model: MemoryModelReader, policy: HostScopedPolicy, host: HostRecord, vm: VmRecord, nowSeconds: number): string {
  const v = liveHostBalloon(reader, model, policy, host, vm, nowSeconds);
  const head = `Balloon ${size(vm.balloon)}, target ${size(vm.balloonTarget)}, maximum ${size(vm.balloonMax)} — host ${host.name} runs the ${policy.title} policy (${policy.name}): ${policy.summary}.`;
  const why = `${v.reason}${policy.reasons[v.reason] ? `: ${policy.reasons[v.reason]}` : ""}`;
  let now: string;
  if (v.target === undefined) now = `Now its rules keep the balloon target as it is (${why}).`;
  else {
    const detail = v.log === "none" ? "" : `: ${v.message()}`;
    now = `Now its rules give balloon target ${size(v.target)}${v.target === vm.balloonTarget ? ", which it already has" : ""} (${why})${detail}.`;
  }
  return paragraph([head, now]);
}

/** Why the balloon can do no more for the swap decision, in the policy's words (noDriver names what is missing). */
function balloonDoneWords(policy: PolicyPlugin, swap: SwapDecision, vm: VmRecord, host: HostRecord): string | undefined {
  const code = swap.balloonDoneReason;
  if (!code) return undefined;
  if (code === "noDriver") return vm.spec.toolsInstalled ? `ballooning is disabled on host ${host.name}` : "it has no balloon driver (no tools)";
  return policy.reasons[code] ?? code;
}

/** Says that the records do not reach back to `at`. */
export function boundedNote(object: string, oldest: number, at: number): string {
  return `Records are bounded: each object keeps only its newest ${DECISION_RETENTION} decisions, and the oldest kept for ${object} is at tick ${oldest}, after tick ${at}; anything shown below comes from older-kind records that survived, and missing topics cannot be explained for that tick.`;
}

/** Admission in plain words (docs/memory-model.md §10). */
function admissionText(adm: AdmissionDecision, ts: number): string {
  if (adm.admitted) return `Admission: admitted at ${tickAt(adm.tick, ts)}: ${adm.message}.`;
  return `Admission: denied (${adm.reason}) at ${tickAt(adm.tick, ts)}: ${adm.message}; it stays Pending and is retried every tick.`;
}

/** Why a VM is not running. */
function notRunningText(vm: VmRecord, adm: AdmissionDecision | undefined, ts: number): string {
  if (vm.phase === "Pending") {
    const reason = adm && !adm.admitted ? adm : undefined;
    return paragraph([
      reason
        ? `Not admitted (${reason.reason}) since ${tickAt(reason.tick, ts)}: ${reason.message}.`
        : `Not admitted: ${vm.admission.reason}${vm.admission.message ? `: ${vm.admission.message}` : ""}.`,
      vm.admission.reason === "InsufficientMemory"
        ? "Admission needs reservation + overhead to fit in the host's unreserved memory (docs/memory-model.md §10): lower this VM's reservation, or free reserved capacity on the host."
        : vm.admission.reason === "InsufficientSwap"
          ? "Its swap file (memory − reservation) does not fit in the host's swap datastore (docs/memory-model.md §10)."
          : undefined,
      "Nothing is ballooned or swapped until it runs.",
    ]);
  }
  return `Stopped (${vm.admission.reason || "powered off"}): it holds no host memory, so nothing is reclaimed.`;
}

/** Entitlement and reclaim need (docs/memory-model.md §6). */
export function entitlementText(e: EntitlementDecision, hostName: string, ts: number, live = false): string {
  const ceiling = e.demand === undefined ? `touched ${size(e.touched)}` : `demand ${size(e.demand)}`;
  const hi = `min(memory ${size(e.memory)}, limit ${size(e.limit)}, max(${ceiling}, active ${size(e.active)}))`;
  const k = e.idleTax >= 100 ? "∞" : `${Math.round((100 / (100 - e.idleTax)) * 100) / 100}×`;
  let why: string;
  switch (e.bound) {
    case "reservation":
      why = `Host ${hostName} is contended and the water level alone would give it less, but its reservation (${size(e.reservation)}) is a floor.`;
      break;
    case "water-level":
      why = `Host ${hostName} is contended (its VMs want more than the ${size(e.available)} available = capacity − vmkernel − overhead − minFree), so memory is divided by shares (${e.sharesLabel}, ${e.shares}) at water level λ = ${e.lambda?.toPrecision(3) ?? "?"}, with idle memory taxed at ${pct(e.idleTax)} (an idle page costs ${k} a working one); its active estimate is ${size(e.active)} of ${size(e.touched)} touched, so its idle pages are taken first.`;
      break;
    case "limit":
      why = `Its limit (${size(e.limit)}) caps it: ${hi}; a limit applies even on an idle host.`;
      break;
    default:
      why = e.contended
        ? `Even under contention on host ${hostName} its share reaches everything it uses: ${hi}.`
        : `Host ${hostName} is not contended (its VMs want no more than the ${size(e.available)} available), so it is entitled to everything it uses: ${hi}.`;
  }
  const bound = !e.contended && e.bound !== "limit" ? `uncontended (${e.bound})` : e.bound;
  const reclaim =
    e.reclaim > 0
      ? e.consumed - e.entitlement >= e.reclaim || e.limit === null
        ? `Reclaim need ${size(e.reclaim)}: it consumed ${size(e.consumed)}, more than its entitlement${e.limit !== null && e.consumed > e.limit ? ` and its limit ${size(e.limit)}` : ""}.`
        : `Reclaim need ${size(e.reclaim)}: it wants more than its limit ${size(e.limit)}, and the host holds ${size(e.touched)} of its pages (in RAM, compressed or swapped); the balloon takes what is beyond the limit so the guest chooses the pages.`
      : `No reclaim need: it consumes ${size(e.consumed)}, within its entitlement.`;
  return `Entitlement ${size(e.entitlement)} (${live ? "now" : `decided at ${tickAt(e.tick, ts)}`}) — bound: ${bound}. ${why} ${reclaim}`;
}

/** Names the binding balloon cap with its arithmetic (docs/memory-model.md §7). */
export function capText(b: BalloonDecision, memory: number): string {
  switch (b.binding) {
    case "maxPercent":
      return `Mem.CtlMaxPercent (${pct(b.maxPercent)}) of ${size(memory)} = ${size(b.caps.maxPercent)}`;
    case "osFloor":
      return `the guest OS minimum (${b.guestOS}, ${size(b.osMinimum)}) plus AppBalloonMaxSlack (${size(b.slack)}) leaves ${size(Math.max(0, b.caps.osFloor ?? 0))} of ${size(memory)} (floor: the seed article's rule — VMware's documents name only Mem.CtlMaxPercent and sched.mem.maxmemctl; a host switches it off with spec.ballooning.guestFloor: off)`;
    case "reservation":
      return `memory ${size(memory)} − reservation ${size(memory - b.caps.reservation)} = ${size(b.caps.reservation)} (a reservation is never ballooned)`;
    case "maxBalloon":
      return `its maxBalloon (sched.mem.maxmemctl) of ${size(b.caps.maxBalloon)}`;
    default:
      return "no balloon driver";
  }
}

/** The balloon: binding cap, target and why, what the guest gave (docs/memory-model.md §7). */
export function balloonText(b: BalloonDecision, recorded: BalloonDecision | undefined, vm: VmRecord, ts: number, live = false): string {
  if (b.binding === "noDriver") {
    const why = b.reason === "BallooningDisabled" ? "ballooning is disabled on its host" : 'VMware Tools are not installed, so there is no balloon driver ("no tools no Ballooning", seed)';
    return `Balloon: none — binding cap: no driver. ${why}; any reclaim need goes straight to compression and hypervisor swapping, which pick pages blindly (docs/memory-model.md §7–§8).`;
  }
  const memory = vm.memory;
  // caps that limit nothing are not caps: no reservation (memory − 0), no maxBalloon set
  const others = (["maxPercent", "osFloor", "reservation", "maxBalloon"] as const)
    .filter((c) => c !== b.binding && (b.caps[c] !== null || c === "osFloor") && !(c === "reservation" && b.caps.reservation !== null && b.caps.reservation >= memory))
    .map((c) => (c === "osFloor" && b.caps.osFloor === null ? "osFloor off (guestFloor: off)" : `${c} ${size(b.caps[c])}`))
    .join(", ");
  const otherCaps = others === "" ? "" : ` (other caps: ${others})`;
  // the lowest cap binds only when the balloon or its target reaches it (or it allows no balloon at all)
  const binds = b.balloonMax === 0 || Math.max(b.target, b.balloon) >= b.balloonMax;
  const head = binds
    ? `Balloon ${size(b.balloon)}, target ${size(b.target)}${b.balloonMax > 0 ? " = its maximum" : ""} — binding cap: ${b.binding}: ${capText(b, memory)}${otherCaps}.`
    : `Balloon ${size(b.balloon)}, target ${size(b.target)}, maximum ${size(b.balloonMax)} — below every cap, so no cap binds; the lowest is ${b.binding}: ${capText(b, memory)}${otherCaps}.`;
  let why: string;
  if (b.reason === "OverLimit") why = `The target is min(maximum, balloon + reclaim ${size(b.reclaim)}) because it wants more than its limit (the host backs no more than the limit, so the guest is asked to give the pages) — reclaimed even though host is ${b.hostState}.`;
  else if (b.reason.startsWith("HostState"))
    why = `The target is min(maximum, balloon + reclaim ${size(b.reclaim)}) because its host is ${b.hostState} (consumed ${size(b.consumed)} − entitlement ${size(b.entitlement)}).`;
  else if (b.reason === "PressureRelieved")
    why =
      b.hostState === "high"
        ? `Its host is high: it has memory to give, so the target is 0 and the balloon deflates at the driver's deflate rate; the pages go back to the guest untouched (docs/memory-model.md §7).`
        : b.target > 0
          ? `Its host is ${b.hostState}: the balloon only deflates, by what it is entitled to (from its demand) beyond what it holds, so reclamation does not oscillate.`
          : `Its host is ${b.hostState} and its entitlement covers everything it asks for: no balloon.`;
  else why = `Reason: ${b.reason}.`;
  let gave = "";
  if (recorded && (recorded.gave.free + recorded.gave.untouched + recorded.gave.used + recorded.gave.stalled > 0)) {
    const g = recorded.gave;
    gave = `At ${tickAt(recorded.tick, ts)} (its last recorded target change) the guest gave free ${size(g.free)}, untouched ${size(g.untouched)}, used ${size(g.used)}${g.used > 0 ? " (paged out to its own swap: the seed's \"eat into active memory\")" : ""}${g.stalled > 0 ? `; ${size(g.stalled)} could not be given because guest swap was full` : ""}.`;
  }
  const guest = vm.guestSwapped > 0 ? `The guest has paged ${size(vm.guestSwapped)} of its ${size(vm.spec.guestSwap)} swap out; guest now: used ${size(usedOf(vm))}, free ${size(freeOf(vm))}, untouched ${size(vm.untouched)}.` : "";
  return paragraph([head, why, gave, live && guest]);
}

/** What the VM waited on in the last tick (docs/memory-model.md §11). */
export function stallText(vm: VmRecord): string {
  const c = vm.counters;
  const parts = [
    c.swapIns > 0 && `${size(c.swapIns)} of swap-ins`,
    c.decompressions > 0 && `${size(c.decompressions)} of decompressions`,
    c.guestPageIns > 0 && `${size(c.guestPageIns)} of guest page-ins`,
    c.stalledPages + c.stalledGrowth > 0 &&
      `${size(c.stalledPages + c.stalledGrowth)} of faults and growth the host could not serve (no free host page, page-in throughput used up, or new pages blocked in low)`,
  ].filter((p): p is string => typeof p === "string");
  return `Stall ${pct(vm.stallPercent)} in the last tick${parts.length ? `: it waited on ${parts.join(", ")}` : ""}.`;
}

/** Compression and hypervisor swapping (docs/memory-model.md §8). */
export function swapText(s: SwapDecision, doneBecause: string | undefined, ts: number, live = false): string {
  const amounts = `compressed ${size(s.compressed)}, swapped ${size(s.swapped)}, swap target ${size(s.swapTarget)}`;
  const need = s.need > 0 ? ` Need ${size(s.need)} = min(consumed − entitlement, consumed − reservation).` : "";
  const reason = s.reason.toLowerCase();
  let why: string;
  if (reason === "overlimit" && s.need <= 0)
    why = `it wants more than its limit and the host backs no more than the limit: what it allocated beyond it was compressed and swapped as it allocated it, even though host is ${s.hostState}; those pages come back only when the working set touches them${doneBecause ? `; ${doneBecause}` : ""}`;
  else if (reason === "overlimit") why = `it is over its limit and ${doneBecause ?? "its balloon can do no more"}, so the rest is compressed and swapped even though host is ${s.hostState}`;
  else if (reason === "cannotballoon") why = `host is soft and ${doneBecause ?? "its balloon is done (no driver, at its maximum, stalled or stuck)"}`;
  else if (reason.startsWith("hoststate")) why = `host is ${s.hostState}: compression and swapping run alongside the balloon for the whole remaining need`;
  else why = s.swapped + s.compressed > 0 ? "no reclaim need is left; swapped pages come back only when the working set touches them" : "nothing needs compressing or swapping";
  return `Swap: ${amounts} (${live ? "now" : `decided at ${tickAt(s.tick, ts)}`}) — ${why}.${need}`;
}

