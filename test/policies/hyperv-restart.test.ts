/**
 * Guest restarts and Hyper-V Smart Paging in the simulation (docs/policies.md, *Hyper-V*).
 * Source: Microsoft, "Hyper-V Dynamic Memory Overview"
 * (https://learn.microsoft.com/windows-server/virtualization/hyper-v/dynamic-memory): Smart Paging
 * "is used to bridge the memory gap between minimum memory and startup memory" only "when a virtual
 * machine is restarted" and "there is no available physical memory" and none can be reclaimed; it
 * is not used when a VM is started from off, and once the VM has booted Hyper-V removes the memory
 * (by ballooning) and Smart Paging is no longer used.
 */
import "reflect-metadata";
import { createEngine, TOKENS } from "memplane";
import type { MemoryModel } from "../../src/hypervisor/memory-model.js";
import type { VmRecord } from "../../src/hypervisor/ledger.js";
import type { Engine, LogEntry } from "memplane";
import { RESTART_ANNOTATION, restartStamp } from "../../src/api/restart.js";
import { HYPERV_POLICY } from "../../src/policies/hyperv/index.js";
import { GI, MI } from "./policy-cluster.js";

/** hv-01 (8 GiB, hyperv): `hog` (static memory) fills it after 3 minutes; `web` boots, bursts, idles to its minimum. */
function cluster(webAnnotations = "", policy = "hyperv"): string {
  return `apiVersion: memplane.io/v1alpha1
kind: Host
metadata: {name: hv-01}
spec: {capacity: 8Gi, vmkernelReserved: "0", policy: ${policy}}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: hog}
spec:
  hostName: hv-01
  memory: 7Gi
  workload: {allocated: 256Mi, active: 50, touchAllOnBoot: false, phases: [{after: 3m, allocated: 6800Mi, rampSeconds: 60}]}
---
apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: web${webAnnotations}}
spec:
  hostName: hv-01
  memory: 4Gi
  dynamicMemory: {startup: 2Gi, minimum: 512Mi}
  workload: {allocated: 200Mi, active: 50, touchAllOnBoot: false, phases: [{after: 10s, allocated: 1800Mi, rampSeconds: 20}, {after: 90s, allocated: 200Mi}]}
`;
}

function start(policy = "hyperv"): { engine: Engine; logs: LogEntry[] } {
  const engine = createEngine({ seed: 1 });
  const logs: LogEntry[] = [];
  engine.logs$.subscribe((l) => logs.push(l));
  engine.apply(cluster("", policy));
  return { engine, logs };
}

const web = (engine: Engine) => engine.model.vm("default", "web")!;

/** Restarts web's guest the way `memplane restart vm web` does: a new restartedAt annotation. */
function restartWeb(engine: Engine, stamp: string): void {
  engine.apply(cluster(`, annotations: {${RESTART_ANNOTATION}: "${stamp}"}`));
}

describe("guest restart", () => {
  test("a new memplane.io/restartedAt value restarts the running guest once: Restarted is logged (no phase change), the workload starts over, the VM keeps running", () => {
    const { engine, logs } = start();
    engine.step(300);
    const poweredOnAt = web(engine).poweredOnAt;
    restartWeb(engine, "5m");
    engine.step(1);
    const restarted = logs.filter((l) => l.action === "Restarted");
    expect(restarted).toHaveLength(1);
    expect(restarted[0]).toMatchObject({ name: "web", reason: "GuestRestart" });
    expect(restarted[0]!.from).toBeUndefined(); // the VM stays Running: no phase change to show
    expect(web(engine).phase).toBe("Running");
    expect(web(engine).poweredOnAt).toBeGreaterThan(poweredOnAt);
    // the same value again (re-applied manifests) does not restart it again
    restartWeb(engine, "5m");
    engine.step(5);
    expect(logs.filter((l) => l.action === "Restarted")).toHaveLength(1);
  });

  test("restartStamp writes the simulated time, and a distinct value when asked twice at the same time", () => {
    expect(restartStamp("5m", undefined)).toBe("5m");
    expect(restartStamp("5m", "4m")).toBe("5m");
    expect(restartStamp("5m", "5m")).toBe("5m#2");
    expect(restartStamp("5m", "5m#2")).toBe("5m#3");
  });

  test("a VM created with the annotation, or restarted while stopped, is not restarted", () => {
    const engine = createEngine({ seed: 1 });
    const logs: LogEntry[] = [];
    engine.logs$.subscribe((l) => logs.push(l));
    engine.apply(cluster(`, annotations: {${RESTART_ANNOTATION}: "0s"}`));
    engine.step(30);
    expect(logs.filter((l) => l.action === "Restarted")).toHaveLength(0);
  });
});

describe("Smart Paging: only while a restarted VM boots without its startup memory", () => {
  test("restarted on a full host, web's startup shortfall goes to the Smart Paging file until it has booted, then drains", () => {
    const { engine, logs } = start();
    engine.step(600); // hog holds 6.8 GiB; web idles at its 512 MiB minimum
    expect(4 * GI - web(engine).balloon).toBeLessThanOrEqual(600 * MI);
    restartWeb(engine, "10m");
    engine.step(HYPERV_POLICY.bootSeconds - 5);
    const started = logs.filter((l) => l.name === "web" && l.action === "SmartPagingStarted");
    expect(started).toHaveLength(1);
    expect(started[0]!.reason).toBe("HypervSmartPaging");
    // while booting: the guest has its startup memory, part of it on disk
    const during = JSON.parse(JSON.stringify(web(engine))) as VmRecord; // a copy: the record is a view of the live columns
    expect(during.smartPaging).toBeGreaterThan(512 * MI);
    expect(during.smartPaging).toBeLessThan(2 * GI);
    expect(during.smartPaged).toBeGreaterThan(256 * MI);
    expect(during.smartPaged).toBeLessThanOrEqual(during.smartPaging);
    expect(during.usedSwapped + during.freeSwapped).toBeGreaterThanOrEqual(during.smartPaged);
    const reasons = logs.filter((l) => l.name === "web" && l.action === "BalloonTargetChanged").map((l) => l.reason);
    expect(reasons).toContain("HypervSmartPaging");
    // booted: Smart Paging ends, and the pages leave the file as the balloon takes the memory back
    engine.step(10);
    expect(logs.filter((l) => l.name === "web" && l.action === "SmartPagingEnded")).toHaveLength(1);
    expect(web(engine).smartPaging).toBe(0);
    engine.step(300);
    expect(web(engine).smartPaged).toBeLessThan(during.smartPaged / 4);
    expect(engine.container.get<MemoryModel>(TOKENS.MemoryModel).invariantViolations()).toEqual([]);
  });

  test("a VM started from off on the same full host gets no Smart Paging (Hyper-V would not start it)", () => {
    const { engine, logs } = start();
    engine.step(600);
    engine.apply(`apiVersion: memplane.io/v1alpha1
kind: VirtualMachine
metadata: {name: late}
spec:
  hostName: hv-01
  memory: 4Gi
  dynamicMemory: {startup: 2Gi, minimum: 512Mi}
  workload: {allocated: 1800Mi, active: 50, touchAllOnBoot: false}
`);
    engine.step(HYPERV_POLICY.bootSeconds);
    expect(logs.filter((l) => l.action === "SmartPagingStarted")).toHaveLength(0);
    expect(engine.model.vm("default", "late")!.smartPaged).toBe(0);
    expect(logs.some((l) => l.name === "late" && l.reason === "HypervStartupUnavailable")).toBe(true);
  });

  test("a restart on an esxi host never uses Smart Paging", () => {
    const { engine, logs } = start("esxi");
    engine.step(600);
    engine.apply(cluster(`, annotations: {${RESTART_ANNOTATION}: "10m"}`, "esxi"));
    engine.step(120);
    expect(logs.some((l) => l.action === "Restarted")).toBe(true);
    expect(logs.some((l) => l.action === "SmartPagingStarted")).toBe(false);
    expect(web(engine).smartPaged).toBe(0);
  });
});

describe("a Scenario restart step", () => {
  test("restarts the named VM's guest at its time, and names a missing VM", () => {
    const { engine, logs } = start();
    engine.apply(`apiVersion: memplane.io/v1alpha1
kind: Scenario
metadata: {name: reboot-web}
spec:
  steps:
  - {after: 2m, restart: {name: web}}
  - {after: 3m, restart: {name: nope}}
`);
    engine.step(240);
    const restarted = logs.filter((l) => l.action === "Restarted");
    expect(restarted.map((l) => [l.name, l.time])).toEqual([["web", "2m0s"]]);
    const status = engine.store.get("Scenario", "reboot-web")!.status as unknown as { history: { result: string; message: string }[] };
    expect(status.history.map((h) => [h.result, h.message])).toEqual([
      ["Applied", "virtualmachine/default/web restarted"],
      ["Failed", "virtualmachine/default/nope not found"],
    ]);
  });
});
