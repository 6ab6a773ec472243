/**
 * The rules Hyper-V applies to a VM's Dynamic Memory settings (docs/manifests.md), checked when a
 * manifest is validated: minimum ≤ startup ≤ maximum, and maximum ≤ spec.memory (memplane's
 * configured memory is the most a VM can ever see). The schema checks the buffer (5–2000 %) and
 * the weight (0–10000); absent quantities take their computed defaults here as they will later.
 */
import { bytesToQuantity } from "../api/quantity.js";
import type { Issue } from "./validate.js";

/** The exact bytes of a quantity field, or undefined when absent or invalid (reported elsewhere). */
type BytesOf = (value: unknown) => bigint | undefined;

const q = (bytes: bigint): string => bytesToQuantity(bytes);

/** Issues of a VM's `spec.dynamicMemory` against each other and `spec.memory`. */
export function dynamicMemoryRules(dm: Readonly<Record<string, unknown>>, memory: bigint | undefined, bytesOf: BytesOf): Issue[] {
  const issues: Issue[] = [];
  const at = (field: string): Issue["path"] => ["spec", "dynamicMemory", field];
  const written = { startup: bytesOf(dm.startup), minimum: bytesOf(dm.minimum), maximum: bytesOf(dm.maximum) };
  for (const field of ["startup", "minimum", "maximum"] as const) {
    if (written[field] === 0n) issues.push({ path: at(field), message: "must be greater than 0" });
  }
  // absent startup and maximum are spec.memory (resolved.ts); an absent minimum always fits
  const startup = written.startup ?? (dm.startup === undefined ? memory : undefined);
  const maximum = written.maximum ?? (dm.maximum === undefined ? memory : undefined);
  const minimum = written.minimum;
  const rule = "; Hyper-V needs minimum ≤ startup ≤ maximum, and spec.memory is the most a VM can ever be given";
  const name = (field: "startup" | "maximum"): string => (written[field] === undefined ? `spec.memory, the default ${field},` : `spec.dynamicMemory.${field}`);
  if (memory !== undefined && written.maximum !== undefined && written.maximum > memory) {
    issues.push({ path: at("maximum"), message: `must not exceed spec.memory (${q(written.maximum)} > ${q(memory)})${rule}` });
  } else if (startup !== undefined && maximum !== undefined && startup > maximum) {
    const blamed = written.startup !== undefined ? "startup" : "maximum";
    const other = blamed === "startup" ? "maximum" : "startup";
    const relation = blamed === "startup" ? `must not exceed ${name(other)} (${q(startup)} > ${q(maximum)})` : `must not be less than ${name(other)} (${q(maximum)} < ${q(startup)})`;
    issues.push({ path: at(blamed), message: `${relation}${rule}` });
  }
  if (minimum !== undefined && startup !== undefined && minimum > startup) {
    issues.push({ path: at("minimum"), message: `must not exceed ${name("startup")} (${q(minimum)} > ${q(startup)})${rule}` });
  }
  return issues;
}
