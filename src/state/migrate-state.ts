/**
 * Explicit migrations of `state.json` from older formats, applied as the file is read. Each
 * migration changes the engine snapshot the way the new version would have written it and says
 * what it changed in one line (a writer prints it; the next save commits the new format).
 *
 * - `memplane-state/v1` → `v2` (fidelity v2): Host specs stored `vmkernelReserved: "0"` when a
 *   manifest left the field out, because 0 was the default. The default is now `auto` (the
 *   size-dependent reservation of docs/memory-model.md, *The ledgers*), so a re-applied manifest
 *   would make such a host jump; the migration moves those hosts to `auto` now, as a spec change
 *   (generation + 1: the model re-syncs the host at the next tick and its free memory drops by
 *   the reservation). A v1 state cannot tell a written default from an explicit 0, so the line
 *   names the hosts and says how to keep 0 (apply `vmkernelReserved: 0`, which v2 keeps as asked).
 * - `memplane-state/v2` → `v3` (the columnar model): the model keeps its numbers in typed-array
 *   columns (docs/architecture.md, *The columnar model*) and its snapshot says `version: 2`. The
 *   records it saves have the same fields, so the migration only moves the model snapshot's
 *   version from 1 to 2; nothing a user sees changes, and nothing is printed.
 */

/** The format tag of the first version of `state.json`. */
export const STATE_FORMAT_V1 = "memplane-state/v1";
/** The format tag of the second version of `state.json` (before the columnar model). */
export const STATE_FORMAT_V2 = "memplane-state/v2";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

/** How many host names the migration line shows before "and N more". */
const SHOWN_HOSTS = 5;

/** Rewrites a stored Host spec's written default `vmkernelReserved: "0"` to `auto`; true when it did. */
function migrateHostSpec(spec: unknown): boolean {
  if (!isObject(spec) || spec.vmkernelReserved !== "0") return false;
  spec.vmkernelReserved = "auto";
  return true;
}

/**
 * Migrates a parsed v1 `state.json` (changed in place) to v2 and returns the line that says
 * what changed, or undefined when nothing but the format tag changed.
 */
export function migrateV1ToV2(file: Json, format: string): string | undefined {
  file.format = format;
  const engine = file.engine;
  const store = isObject(engine) ? engine.store : undefined;
  if (!isObject(store) || !Array.isArray(store.objects)) return undefined;
  const hosts: string[] = [];
  let steps = 0;
  let resourceVersion = typeof store.resourceVersion === "number" ? store.resourceVersion : 0;
  for (const object of store.objects) {
    if (!isObject(object) || !isObject(object.metadata)) continue;
    if (object.kind === "Host" && migrateHostSpec(object.spec)) {
      const meta = object.metadata;
      meta.generation = (typeof meta.generation === "number" ? meta.generation : 1) + 1;
      meta.resourceVersion = String(++resourceVersion);
      hosts.push(String(meta.name));
    } else if (object.kind === "Scenario" && isObject(object.spec) && Array.isArray(object.spec.steps)) {
      // pending steps that apply a Host were defaulted with the old 0 too (not a spec change: the timeline goes on)
      for (const step of object.spec.steps) {
        if (isObject(step) && isObject(step.apply) && step.apply.kind === "Host" && migrateHostSpec(step.apply.spec)) steps++;
      }
    }
  }
  store.resourceVersion = resourceVersion;
  if (hosts.length === 0 && steps === 0) return undefined;
  const more = hosts.length - SHOWN_HOSTS;
  const named = `${hosts.slice(0, SHOWN_HOSTS).join(", ")}${more > 0 ? ` and ${more} more` : ""}`;
  const what = [
    hosts.length > 0 ? `host${hosts.length === 1 ? "" : "s"} ${named}` : "",
    steps > 0 ? `${steps} Scenario step${steps === 1 ? "" : "s"} applying a Host` : "",
  ]
    .filter(Boolean)
    .join(" and ");
  return (
    `migrated ${STATE_FORMAT_V1} to ${format}: ${what} had vmkernelReserved 0, the old default; ` +
    `now it is the new default auto (1 GiB + 1 % of capacity, at most a quarter; docs/memory-model.md), so free memory drops by it at the next tick; ` +
    `apply vmkernelReserved: 0 to a host that should keep none`
  );
}

/**
 * Migrates a parsed v2 `state.json` (changed in place) to v3: the model snapshot's version 1
 * becomes 2 (the same records; the columnar model reads them as they are). Says nothing.
 */
export function migrateV2ToV3(file: Json, format: string): undefined {
  file.format = format;
  const engine = file.engine;
  const model = isObject(engine) ? engine.model : undefined;
  if (isObject(model) && model.version === 1) model.version = 2;
  return undefined;
}

/**
 * Migrates a parsed `state.json` of an older format (changed in place) to `format`, one version
 * after the other; returns the lines that say what changed. A file of the current or an
 * unknown format is left alone.
 */
export function migrateStateFile(file: Json, format: string): string[] {
  const notes: string[] = [];
  if (file.format === STATE_FORMAT_V1) {
    const note = migrateV1ToV2(file, STATE_FORMAT_V2);
    if (note !== undefined) notes.push(note);
  }
  if (file.format === STATE_FORMAT_V2) migrateV2ToV3(file, format);
  return notes;
}
