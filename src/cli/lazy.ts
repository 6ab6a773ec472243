/**
 * Heavy modules loaded on first use, so `--help`, usage errors and `validate` do not pay for
 * the engine (inversify, rxjs, controllers) and a failed `apply` stops before loading it.
 */

/** The engine module (`createEngine`). */
export function engineModule(): Promise<typeof import("../composition/create-engine.js")> {
  return import("../composition/create-engine.js");
}

/** The manifest loader (YAML parsing and ajv validation). */
export function manifestModule(): Promise<typeof import("../manifest/index.js")> {
  return import("../manifest/index.js");
}
