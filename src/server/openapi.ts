/**
 * OpenAPI documents generated from the project's JSON Schemas (`schemas/*.json`, the same files
 * `memplane apply` validates with), so `kubectl explain vm.spec.reservation` prints the field's
 * documentation and clients know the fields:
 *
 * - `/openapi/v2`: a Swagger 2.0 document in JSON (`definitions` only);
 * - `/openapi/v3`: the index of group-version documents, and
 *   `/openapi/v3/apis/memplane.io/v1alpha1`: an OpenAPI 3.0 document whose `components.schemas`
 *   carry each kind's schema with `x-kubernetes-group-version-kind`, and whose paths declare the
 *   operations (with the `fieldValidation` parameter: the server validates every write strictly).
 *
 * JSON Schema draft-07 is turned into the OpenAPI subset: `$ref`s are inlined, `const` becomes a
 * one-value `enum`, a value that may be a string or a number (quantities, percentages,
 * durations) is `x-kubernetes-int-or-string`, free-form objects (`status`) keep unknown fields,
 * and draft-07-only keywords are dropped.
 */
import { createHash } from "node:crypto";
import { KIND_INFO, MANIFEST_KINDS, kindPath } from "../api/kinds.js";
import type { ManifestKind } from "../api/types.js";
import { readSchema, type JsonSchema } from "../manifest/schemas.js";
import { API_GROUP, GROUP_VERSION } from "./discovery.js";
import { MEMPLANE_VERSION } from "./version.js";

/** The OpenAPI documents this module answers. */
export type OpenApiDocument = "v2" | "v3" | "v3-group";

/** The path of the group-version document under `/openapi/v3/`. */
const V3_GROUP_KEY = `apis/${GROUP_VERSION}`;

/** The OpenAPI document a path names, or undefined. */
export function openApiDocument(pathname: string): OpenApiDocument | undefined {
  if (pathname === "/openapi/v2") return "v2";
  if (pathname === "/openapi/v3") return "v3";
  if (pathname === `/openapi/v3/${V3_GROUP_KEY}`) return "v3-group";
  return undefined;
}

/** The schema name of a kind (`io.memplane.v1alpha1.VirtualMachine`), reverse-DNS as Kubernetes names them. */
export function definitionName(kind: ManifestKind): string {
  return `${API_GROUP.split(".").reverse().join(".")}.${GROUP_VERSION.split("/")[1]}.${kind}`;
}

/** Keywords OpenAPI's schema object shares with JSON Schema and kubectl uses. */
const KEPT = ["description", "type", "format", "enum", "required", "minimum", "maximum", "minLength", "maxLength", "maxItems", "minItems", "maxProperties"];

/** Resolves `$ref`s of the schema file `file` (`#/definitions/x` or `common.schema.json#/definitions/x`). */
function resolveRef(ref: string, file: string): { schema: JsonSchema; file: string } {
  const [target = "", pointer = ""] = ref.split("#");
  const refFile = target === "" ? file : target;
  let node: unknown = readSchema(refFile);
  for (const part of pointer.split("/").filter((p) => p !== "")) node = (node as Record<string, unknown>)[part];
  if (node === undefined || node === null || typeof node !== "object") throw new Error(`memplane: ${file}: cannot resolve $ref ${ref}`);
  return { schema: node as JsonSchema, file: refFile };
}

/** Named value types (quantities, percentages, durations, shares…) met while converting, by definition name. */
type NamedTypes = Map<string, JsonSchema>;

/** Where a document's named types live: `#/definitions/` (v2) or `#/components/schemas/` (v3). */
type RefPrefix = "#/definitions/" | "#/components/schemas/";

/** The definition name of a named value type (`io.memplane.v1alpha1.Quantity`). */
function typeName(ref: string): string {
  const last = ref.split("/").pop() ?? "Value";
  return `${API_GROUP.split(".").reverse().join(".")}.${GROUP_VERSION.split("/")[1]}.${last[0]!.toUpperCase()}${last.slice(1)}`;
}

/**
 * One JSON Schema node as an OpenAPI schema object (see the module comment). A `$ref` to a value
 * that may be a string or a number becomes a reference to a named type (so `kubectl explain`
 * shows `<Quantity>`, `<Duration>`); every other `$ref` is inlined.
 */
function convert(node: JsonSchema, file: string, named: NamedTypes, prefix: RefPrefix): JsonSchema {
  if (typeof node.$ref === "string") {
    const target = resolveRef(node.$ref, file);
    const inlined = convert(target.schema, target.file, named, prefix);
    if (Array.isArray(target.schema.type)) {
      const name = typeName(node.$ref);
      named.set(name, inlined);
      const description = typeof node.description === "string" ? node.description : undefined;
      return { allOf: [{ $ref: prefix + name }], ...(description === undefined ? {} : { description }) };
    }
    return typeof node.description === "string" ? { ...inlined, description: node.description } : inlined;
  }
  const out: JsonSchema = {};
  for (const key of KEPT) if (node[key] !== undefined) out[key] = node[key];
  if (node.const !== undefined) out.enum = [node.const];
  if (node.enum !== undefined && out.type === undefined && (node.enum as unknown[]).every((v) => typeof v === "string")) out.type = "string";
  if (out.enum !== undefined && out.type === undefined && (out.enum as unknown[]).every((v) => typeof v === "string")) out.type = "string";
  if (Array.isArray(node.type)) {
    const types = node.type as string[];
    delete out.type;
    delete out.minimum;
    delete out.maximum;
    if (types.includes("string") && (types.includes("number") || types.includes("integer"))) {
      Object.assign(out, { anyOf: [{ type: types.includes("integer") ? "integer" : "number" }, { type: "string" }], "x-kubernetes-int-or-string": true });
    }
    else out.type = types[0];
  }
  if (typeof node.exclusiveMinimum === "number") Object.assign(out, { minimum: node.exclusiveMinimum, exclusiveMinimum: true });
  if (node.properties !== undefined) {
    const props = node.properties as Record<string, JsonSchema>;
    out.properties = Object.fromEntries(Object.entries(props).map(([name, child]) => [name, convert(child, file, named, prefix)]));
    out.type ??= "object";
  }
  if (node.items !== undefined && !Array.isArray(node.items)) out.items = convert(node.items as JsonSchema, file, named, prefix);
  if (node.additionalProperties !== undefined && typeof node.additionalProperties === "object") {
    out.additionalProperties = convert(node.additionalProperties as JsonSchema, file, named, prefix);
  }
  if (out.type === "object" && out.properties === undefined && out.additionalProperties === undefined) out["x-kubernetes-preserve-unknown-fields"] = true;
  return out;
}

/**
 * Descriptions of the top-level fields every kind has, for those its schema leaves undescribed
 * (`kubectl explain vm.spec` printed `DESCRIPTION: <empty>`): Kubernetes' own words for
 * `apiVersion` and `kind`, memplane's for `spec`.
 */
function standardFieldDescriptions(kind: ManifestKind): Record<string, string> {
  return {
    apiVersion: "APIVersion defines the versioned schema of this representation of an object: memplane.io/v1alpha1 for every memplane kind.",
    kind: `Kind is a string value representing the REST resource this object represents: ${kind}.`,
    spec: `Desired state of the ${kind}: what you declare and apply. Defaults are filled in by the server (docs/manifests.md).`,
  };
}

/** A kind's schema as an OpenAPI definition, tagged with its group, version and kind. */
function kindDefinition(kind: ManifestKind, named: NamedTypes, prefix: RefPrefix): JsonSchema {
  const file = KIND_INFO[kind].schemaFile!;
  const schema = convert(readSchema(file), file, named, prefix);
  const properties = { ...(schema.properties as Record<string, JsonSchema> | undefined) };
  for (const [field, description] of Object.entries(standardFieldDescriptions(kind))) {
    const property = properties[field];
    if (property !== undefined && typeof property.description !== "string") properties[field] = { ...property, description };
  }
  return { ...schema, properties, "x-kubernetes-group-version-kind": [{ group: API_GROUP, version: GROUP_VERSION.split("/")[1], kind }] };
}

let cached: { v2: object; v3Group: object; v3Index: object } | undefined;

/** The three documents, built once (the schemas do not change while the server runs). */
function documents(): { v2: object; v3Group: object; v3Index: object } {
  if (cached) return cached;
  const schemas = (prefix: RefPrefix): Record<string, JsonSchema> => {
    const named: NamedTypes = new Map();
    const kinds = MANIFEST_KINDS.map((kind) => [definitionName(kind), kindDefinition(kind, named, prefix)] as const);
    return Object.fromEntries([...kinds, ...[...named].sort(([a], [b]) => a.localeCompare(b))]);
  };
  const info = { title: "memplane", version: `v${MEMPLANE_VERSION}` };
  const v2 = { swagger: "2.0", info, paths: {}, definitions: schemas("#/definitions/") };
  const paths = Object.fromEntries(MANIFEST_KINDS.flatMap((kind) => operations(kind)));
  const v3Group = { openapi: "3.0.0", info, paths, components: { schemas: schemas("#/components/schemas/") } };
  const hash = createHash("sha512").update(JSON.stringify(v3Group)).digest("hex").slice(0, 64).toUpperCase();
  const v3Index = { paths: { [V3_GROUP_KEY]: { serverRelativeURL: `/openapi/v3/${V3_GROUP_KEY}?hash=${hash}` } } };
  return (cached = { v2, v3Group, v3Index });
}

/** The OpenAPI 3 path items of one kind's objects: get, put, patch and delete, each tagged with the kind. */
function operations(kind: ManifestKind): [string, object][] {
  const info = KIND_INFO[kind];
  const gvk = { group: API_GROUP, version: GROUP_VERSION.split("/")[1], kind };
  const ref = { $ref: `#/components/schemas/${definitionName(kind)}` };
  const body = { content: { "application/json": { schema: ref } } };
  const ok = { "200": body };
  const fieldValidation = { name: "fieldValidation", in: "query", schema: { type: "string" }, description: "memplane validates every write strictly against the schema." };
  const path = kindPath(kind, info.namespaced ? "{namespace}" : undefined, "{name}").replace(/%7B/g, "{").replace(/%7D/g, "}");
  const op = (action: string, extra: object = {}): object => ({ "x-kubernetes-action": action, "x-kubernetes-group-version-kind": gvk, responses: ok, ...extra });
  return [
    [
      path,
      {
        get: op("get"),
        put: op("put", { parameters: [fieldValidation], requestBody: body }),
        patch: op("patch", { parameters: [fieldValidation], requestBody: body }),
        delete: op("delete"),
      },
    ],
  ];
}

/** The body of one OpenAPI document. */
export function openApiAnswer(which: OpenApiDocument): object {
  const docs = documents();
  return which === "v2" ? docs.v2 : which === "v3" ? docs.v3Index : docs.v3Group;
}

/** True when an `Accept` header takes JSON (or anything): the only encoding served; kubectl's protobuf-only request for v2 is answered 406. */
export function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === "") return true;
  return accept.split(",").some((part) => {
    const type = part.split(";")[0]!.trim().toLowerCase();
    return type === "application/json" || type === "*/*" || type === "application/*";
  });
}
