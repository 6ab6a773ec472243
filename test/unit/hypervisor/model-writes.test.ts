/**
 * Only the memory model writes its records: controllers, explain, metrics and the CLI change a
 * VM's or host's fields through the model's verbs (`ctx.model.setBalloonTarget(vm, …)`), never
 * by assigning to the record they were handed (`vm.balloonTarget = …`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { newVmRecord } from "../../../src/hypervisor/ledger.js";
import type { HostRecord } from "../../../src/hypervisor/ledger.js";

/** Folders whose code receives records from the model. */
const CLIENTS = ["src/controllers", "src/policies", "src/explain", "src/metrics", "src/cli", "src/compare", "src/report", "src/server", "src/scenario"];

const HOST_FIELDS: readonly (keyof HostRecord)[] = ["free", "state", "climbSince", "reserved", "swapFiles", "pageOutLeft", "pageInLeft", "vms", "decisions", "spec", "generation"];
const VM_FIELDS = Object.keys(newVmRecord("default/x", "default", "x", 1, 0, { hostName: "h", memory: 0, reservation: 0, overhead: 0 } as never));

/** A write to a record field through a variable that holds a record (`vm.`, `v.`, `host.`, `e.vm.`, `record.`). */
const WRITE = new RegExp(String.raw`\b(?:vm|v|host|record|e\.vm)\.(?:${[...new Set([...VM_FIELDS, ...HOST_FIELDS])].join("|")})\s*(?:[-+*/]?=(?!=)|\+\+|--)`);

/** The lines of `text` that write a record field. */
function recordWrites(text: string): string[] {
  return text.split("\n").filter((line) => WRITE.test(line) && !line.trim().startsWith("*") && !line.trim().startsWith("//"));
}

function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []));
}

describe("record writes outside the model", () => {
  it("finds none in controllers, explain, metrics or the CLI", () => {
    const found = CLIENTS.flatMap(sourceFiles).flatMap((file) => recordWrites(fs.readFileSync(file, "utf8")).map((line) => `${file}: ${line.trim()}`));
    expect(found).toEqual([]);
  });

  it("would catch a controller assigning a target or a host state", () => {
    expect(recordWrites("    vm.balloonTarget = target;\n    host.state = to;\n    v.reclaim -= 1;")).toHaveLength(3);
    expect(recordWrites("    ctx.model.setBalloonTarget(vm, target);\n    if (vm.balloonTarget === target) return;\n    last.admission = vm.admission;")).toEqual([]);
  });
});
