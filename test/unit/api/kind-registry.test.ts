/**
 * The kind registry (src/api/kinds.ts): one row per kind, and every per-kind table — scope,
 * schema files, store order, API paths, name rules, discovery — derives from it, so the server
 * and the `--server` client agree on every path.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ALL_KINDS, KIND_INFO, MANIFEST_KINDS, kindPath } from "../../../src/api/kinds.js";
import { NAMESPACED_KINDS } from "../../../src/api/types.js";
import { SCHEMA_FILES, schemasDirectory } from "../../../src/manifest/schemas.js";
import { STORE_KINDS } from "../../../src/store/memory-store.js";
import { parseRoute } from "../../../src/server/routes.js";
import { discovery } from "../../../src/server/answers.js";
import { remotePath } from "../../../src/cli/remote/client.js";

describe("the kind registry", () => {
  test("every kind has one row, and the derived tables follow it", () => {
    expect([...ALL_KINDS].sort()).toEqual(Object.keys(KIND_INFO).sort());
    expect([...NAMESPACED_KINDS].sort()).toEqual(ALL_KINDS.filter((k) => KIND_INFO[k].namespaced).sort());
    expect(Object.keys(SCHEMA_FILES).sort()).toEqual([...MANIFEST_KINDS].sort());
    expect(STORE_KINDS).toEqual(["GuestOSProfile", "Host", "VirtualMachine", "Scenario", "Event"]);
  });

  test("every manifest kind's schema file exists and names its kind", () => {
    for (const kind of MANIFEST_KINDS) {
      const schema = JSON.parse(fs.readFileSync(path.join(schemasDirectory(), SCHEMA_FILES[kind]), "utf8")) as { properties?: { kind?: { const?: string; enum?: string[] } } };
      const named = schema.properties?.kind?.const ?? schema.properties?.kind?.enum?.[0];
      expect(named).toBe(kind);
    }
  });

  test.each(ALL_KINDS.map((k) => [k]))("%s: the server routes the very paths the client builds", (kind) => {
    const ns = KIND_INFO[kind].namespaced ? "team-a" : undefined;
    const name = KIND_INFO[kind].nameRule === "subdomain" ? "web-1.admitted" : "obj-1";
    expect(remotePath(kind, ns, name)).toBe(kindPath(kind, ns, name));
    expect(parseRoute(kindPath(kind, ns, name))).toEqual({ type: "resource", kind, ...(ns ? { namespace: ns } : {}), name });
    expect(parseRoute(kindPath(kind, undefined))).toEqual({ type: "resource", kind });
  });

  test("discovery lists every kind of the memplane.io group with its names", () => {
    const resources = (discovery() as { resources: { kind: string; name: string; shortNames: string[] }[] }).resources;
    const listed = resources.filter((r) => !r.name.includes("/"));
    const subresources = resources.filter((r) => r.name.includes("/"));
    expect(subresources.map((r) => r.name).sort()).toEqual(ALL_KINDS.filter((k) => KIND_INFO[k].hasStatus).map((k) => `${KIND_INFO[k].plural}/status`).sort());
    expect(listed.map((r) => r.kind).sort()).toEqual(ALL_KINDS.filter((k) => k !== "Event").sort());
    for (const r of listed) expect(r.name).toBe(KIND_INFO[r.kind as keyof typeof KIND_INFO].plural);
  });
});
