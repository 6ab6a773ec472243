/**
 * Server-side printing: which Accept headers get a Table, and a Table's columns are `memplane
 * get`'s (printing/columns.ts) — wide ones at priority 1, no NAMESPACE (kubectl adds it), plain
 * cells without terminal colours, row objects carrying the metadata kubectl needs for -A.
 */
import { columnsFor, visibleColumns } from "../../src/printing/columns.js";
import { toTable, wantsTable } from "../../src/server/table.js";

test("kubectl's Accept header asks for a Table; plain JSON and other versions do not", () => {
  expect(wantsTable("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json")).toBe(true);
  expect(wantsTable("application/json; as=Table; g=meta.k8s.io; v=v1")).toBe(true);
  expect(wantsTable("application/json")).toBe(false);
  expect(wantsTable("application/json;as=Table;v=v1beta1;g=meta.k8s.io")).toBe(false);
  expect(wantsTable(undefined)).toBe(false);
});

test("a VM Table has memplane get's columns, wide ones at priority 1, and plain cells", () => {
  const vm = {
    apiVersion: "memplane.io/v1alpha1",
    kind: "VirtualMachine",
    metadata: { name: "web-1", namespace: "prod", creationTimestamp: "10s" },
    spec: { hostName: "esx-01", memory: "4Gi", reservation: "0", shares: "normal", guestOS: "rhel7" },
    status: { phase: "Running", memory: { consumed: "1Gi", balloon: "0", swapped: "0" } },
  };
  const table = toTable("VirtualMachine", [vm], 70, "42") as any;
  expect(table).toMatchObject({ kind: "Table", apiVersion: "meta.k8s.io/v1", metadata: { resourceVersion: "42" } });
  const names = table.columnDefinitions.map((c: any) => c.name);
  expect(names).toEqual(visibleColumns(columnsFor("VirtualMachine"), { wide: true, allNamespaces: false }).map((c) => c.header));
  expect(table.columnDefinitions.filter((c: any) => c.priority === 0).map((c: any) => c.name)).toEqual(["NAME", "HOST", "PHASE", "MEMORY", "CONSUMED", "BALLOON", "SWAPPED", "AGE"]);
  expect(table.rows[0].cells.slice(0, 8)).toEqual(["web-1", "esx-01", "Running", "4.00 GiB", "1.00 GiB", "0 B", "0 B", "60s"]);
  expect(JSON.stringify(table.rows)).not.toContain("\u001b[");
  expect(table.rows[0].object).toEqual({ kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: vm.metadata });
});
