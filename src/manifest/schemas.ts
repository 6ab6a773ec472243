/**
 * The JSON Schemas in `schemas/` (the single source of validation), loaded and compiled once.
 * They are read relative to the package root found from this module's own location, so the same
 * code works from `src/` (tests) and from `dist/src/` (the published package ships `schemas/`).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";
import type { ManifestKind } from "../api/types.js";
import { KIND_INFO, MANIFEST_KINDS } from "../api/kinds.js";

/** Schema file of each manifest kind, inside `schemas/` (from the kind registry, `KIND_INFO`). */
export const SCHEMA_FILES: Readonly<Record<ManifestKind, string>> = Object.freeze(
  Object.fromEntries(MANIFEST_KINDS.map((k) => [k, KIND_INFO[k].schemaFile!])) as Record<ManifestKind, string>,
);

/** The shared definitions every kind's schema refers to. */
export const COMMON_SCHEMA_FILE = "common.schema.json";

/** A JSON Schema document as parsed JSON. */
export type JsonSchema = Record<string, unknown>;

let schemaDir: string | undefined;

/** The `schemas/` directory of this package. */
export function schemasDirectory(): string {
  if (schemaDir !== undefined) return schemaDir;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "schemas");
    if (existsSync(join(candidate, COMMON_SCHEMA_FILE))) return (schemaDir = candidate);
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`memplane: cannot find the schemas/ directory above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

const cache = new Map<string, JsonSchema>();

/** Reads (once) and returns one schema file of `schemas/`. */
export function readSchema(file: string): JsonSchema {
  let schema = cache.get(file);
  if (!schema) {
    schema = JSON.parse(readFileSync(join(schemasDirectory(), file), "utf8")) as JsonSchema;
    cache.set(file, schema);
  }
  return schema;
}

/** The schema of a manifest kind. */
export function kindSchema(kind: ManifestKind): JsonSchema {
  return readSchema(SCHEMA_FILES[kind]);
}

let compiled: Map<ManifestKind, ValidateFunction> | undefined;

/** The compiled validator of a kind (all kinds are compiled together, once, on first use). */
export function schemaValidator(kind: ManifestKind): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true, strict: true });
    ajv.addSchema(readSchema(COMMON_SCHEMA_FILE));
    compiled = new Map(
      (Object.keys(SCHEMA_FILES) as ManifestKind[]).map((k) => [k, ajv.compile(kindSchema(k))] as const),
    );
  }
  return compiled.get(kind)!;
}
