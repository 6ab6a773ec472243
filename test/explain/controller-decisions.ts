/**
 * What the controllers decide from a given state, for comparing with `explain`: the engine's
 * snapshot is restored into a second engine that runs only the named controllers for one tick,
 * and the decisions they take are captured from the policy functions they call.
 */
import { jest } from "@jest/globals";
import { CONTROLLER_ORDER, CUSTOM_CONTROLLERS_SLOT, createEngine, type EngineSnapshot } from "memplane";
import { esxiBalloonRule } from "../../src/policies/esxi/balloon.js";
import type { HostBalloonVerdict, PageOutVerdict, VmBalloonVerdict } from "../../src/policies/policy.js";
import { HOST_SCOPED_POLICIES, POLICY_REGISTRY } from "../../src/policies/registry.js";

/** What the controllers decided in one tick, per VM key. */
export interface Decided {
  balloon: Map<string, VmBalloonVerdict>;
  /** Per-host policies: the verdict, and whether the VM was the first its host's policy decided this tick. */
  hostBalloon: Map<string, { verdict: HostBalloonVerdict; first: boolean }>;
  pageOut: Map<string, PageOutVerdict>;
}

/** Restores `snapshot` into an engine running only `run` and captures the decisions of its next tick. */
export function decisionsFrom(snapshot: EngineSnapshot, run: readonly string[]): Decided {
  const disable = CONTROLLER_ORDER.filter((n) => n !== CUSTOM_CONTROLLERS_SLOT && !run.includes(n));
  const clone = createEngine({ controllers: { disable } });
  clone.restore(snapshot);
  const spies = { balloon: jest.spyOn(esxiBalloonRule, "decide") };
  // every policy that pages out (ESXi's compression and swapping, Linux host swap under MOM)
  const pageOutSpies = Object.values(POLICY_REGISTRY).flatMap((p) => (p.pageOut ? [jest.spyOn(p.pageOut, "decide")] : []));
  // every policy that decides per host, from the registry
  const hostSpies = HOST_SCOPED_POLICIES.map((policy) => jest.spyOn(policy.balloon, "decide"));
  try {
    clone.step(1);
    const decided: Decided = { balloon: new Map(), hostBalloon: new Map(), pageOut: new Map() };
    spies.balloon.mock.calls.forEach(([, vm], i) => decided.balloon.set(vm.key, spies.balloon.mock.results[i]!.value as VmBalloonVerdict));
    for (const spy of pageOutSpies) {
      spy.mock.calls.forEach(([, vms], i) => {
        const verdicts = spy.mock.results[i]!.value as PageOutVerdict[];
        vms.forEach((vm, j) => decided.pageOut.set(vm.key, verdicts[j]!));
      });
    }
    for (const spy of hostSpies) {
      const seen = new Set<string>();
      (spy.mock.calls as unknown as [unknown, { name: string }, { key: string }][]).forEach(([, host, vm], i) => {
        decided.hostBalloon.set(vm.key, { verdict: spy.mock.results[i]!.value as HostBalloonVerdict, first: !seen.has(host.name) });
        seen.add(host.name);
      });
    }
    return decided;
  } finally {
    for (const spy of [...Object.values(spies), ...pageOutSpies, ...hostSpies]) spy.mockRestore();
  }
}

/** The words explain uses for why a balloon can do no more. */
export function doneWords(reason: NonNullable<PageOutVerdict["balloonDoneReason"]>, tools: boolean, hostName: string): string {
  if (reason === "noDriver") return tools ? `ballooning is disabled on host ${hostName}` : "it has no balloon driver (no tools)";
  return POLICY_REGISTRY.esxi.reasons[reason]!;
}
