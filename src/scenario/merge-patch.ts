/**
 * JSON merge patch (RFC 7386), as `kubectl patch --type merge` applies it: mappings merge key by
 * key, `null` removes a key, anything else (values, lists) replaces. Inputs are not modified.
 */

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** `target` with `patch` merged in (RFC 7386 MergePatch). */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isMapping(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = isMapping(target) ? structuredClone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}
