/**
 * Example (d) — comparing reclamation policies from code.
 *
 * "MOM or ESXi?" The cluster is built as objects in code; `policyVariants` makes one variant per
 * policy (every Host's `spec.policy` rewritten), `compareVariants` runs each for the same ticks
 * and seed, and the report lines up, per host and VM, peak and final balloon, swap, compression
 * and guest swap, mean and p95 stall, and time in each host state. `hostTable`/`vmTable` give
 * the same tables `memplane compare` prints, and `renderTable` aligns them the way the CLI does.
 *
 * Run it: `npm run build && node dist/examples/compare-policies.js`
 */
import "reflect-metadata";
import { pathToFileURL } from "node:url";
import { applyDefaults, compareVariants, hostTable, POLICIES, policyVariants, renderTable, vmTable, type CompareReport, type ManifestInput, type ManifestObject } from "memplane";

/** A host with `vms` VMs that grow into overcommit after a minute. */
export function cluster(vms: number): ManifestObject[] {
  const objects: ManifestInput[] = [{ apiVersion: "memplane.io/v1alpha1", kind: "Host", metadata: { name: "esx-01" }, spec: { capacity: "16Gi" } }];
  for (let i = 1; i <= vms; i++) {
    objects.push({
      apiVersion: "memplane.io/v1alpha1",
      kind: "VirtualMachine",
      metadata: { name: `vm-${i}` },
      spec: {
        hostName: "esx-01",
        memory: "4Gi",
        reservation: i === 1 ? "2Gi" : "0",
        workload: { allocated: "1Gi", active: 20 + 10 * (i % 5), phases: [{ after: "60s", allocated: `${50 + 10 * (i % 4)}%`, rampSeconds: 120 }] },
      },
    });
  }
  return objects.map(applyDefaults);
}

/** Runs the cluster under every policy; `print` gets the two tables. */
export function main(options: { vms?: number; ticks?: number } = {}, print: (text: string) => void = () => {}): CompareReport {
  const report = compareVariants(policyVariants(cluster(options.vms ?? 6), POLICIES), { ticks: options.ticks ?? 600, engine: { seed: 1 } });
  for (const table of [hostTable(report), vmTable(report)]) {
    print(renderTable(table.headers, table.rows));
  }
  return report;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main({}, (text) => console.log(text));
}
