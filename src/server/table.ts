/**
 * Server-side printing, as Kubernetes does it: a read whose `Accept` asks for
 * `application/json;as=Table;g=meta.k8s.io;v=v1` (kubectl's `get`) is answered with a
 * `meta.k8s.io/v1` `Table` whose columns are `memplane get`'s own (printing/columns.ts): the
 * default ones at priority 0 and the `-o wide` ones at priority 1, so `kubectl get vms` and
 * `kubectl get vms -o wide` look like `memplane get vms` and `memplane get vms -o wide`.
 * NAMESPACE is left to kubectl, which adds it for `-A` from each row's object metadata.
 */
import type { Kind } from "../api/types.js";
import { columnsFor, type Column } from "../printing/columns.js";

/** True when an `Accept` header asks for a `meta.k8s.io/v1` `Table` (in any of its alternatives). */
export function wantsTable(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  return accept.split(",").some((alternative) => {
    const [type = "", ...params] = alternative.split(";").map((p) => p.trim());
    if (type !== "application/json") return false;
    const map = new Map(params.map((p) => p.split("=", 2).map((s) => s.trim()) as [string, string]));
    return map.get("as") === "Table" && map.get("g") === "meta.k8s.io" && map.get("v") === "v1";
  });
}

/** An object as the Table needs it. */
type Printable = { kind: string; apiVersion?: string; metadata: { name: string; namespace?: string } & Record<string, unknown> };

/** The `Table` of `objects` of `kind`, cells computed at simulated time `nowSeconds`. */
export function toTable(kind: Kind, objects: readonly unknown[], nowSeconds: number, resourceVersion: string): object {
  const columns = (columnsFor(kind) as readonly Column<unknown>[]).filter((c) => !c.allNamespaces);
  const ctx = { nowSeconds };
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: { resourceVersion },
    columnDefinitions: columns.map((c) => ({
      name: c.header,
      type: "string",
      format: c.header === "NAME" ? "name" : "",
      description: c.header,
      priority: c.wide ? 1 : 0,
    })),
    rows: (objects as readonly Printable[]).map((o) => ({
      cells: columns.map((c) => c.cell(o as never, ctx)),
      object: { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata },
    })),
  };
}
