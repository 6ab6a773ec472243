/**
 * Stored objects whose spec the memory model cannot use. Validation keeps such specs out of the
 * store, but a spec can still arrive unchecked (an old state file, an embedder writing to the
 * store directly). The model then leaves that one object out (or keeps its last usable spec),
 * remembers why here, and the status controllers report it as that object's `ReconcileError`,
 * with backoff, while every other object runs on.
 */

/** Which object a problem is about. */
export type SpecProblemKind = "Host" | "VirtualMachine";

/** Read access to the problems, for controllers. */
export interface SpecProblemsReader {
  /** How many objects have a problem (0 almost always: callers skip their scan then). */
  readonly size: number;
  /** Why the object's stored spec cannot be used, or undefined when it can. */
  get(kind: SpecProblemKind, name: string, namespace?: string): string | undefined;
}

/** A field of a stored spec that does not resolve; the message names the field. */
export class SpecFieldError extends Error {
  constructor(path: string, cause: unknown) {
    super(`${path}: ${describe(cause)}`);
    this.name = "SpecFieldError";
  }
}

function describe(error: unknown): string {
  try {
    return (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, " ");
  } catch {
    return "cannot be read";
  }
}

/**
 * `parse(input)`, with a failure turned into a {@link SpecFieldError} naming `path` (its `*`
 * replaced by `index`: the path is only built when something fails).
 */
export function resolveField<I, T>(path: string, parse: (input: I) => T, input: I, index?: number): T {
  try {
    return parse(input);
  } catch (error) {
    throw new SpecFieldError(index === undefined ? path : path.replace("*", String(index)), error);
  }
}

/** The problems the memory model found at its last syncs. */
export class SpecProblems implements SpecProblemsReader {
  readonly #problems = new Map<string, string>();

  get size(): number {
    return this.#problems.size;
  }

  get(kind: SpecProblemKind, name: string, namespace?: string): string | undefined {
    return this.#problems.size === 0 ? undefined : this.#problems.get(keyOf(kind, name, namespace));
  }

  /** Records why an object's spec cannot be used. */
  set(kind: SpecProblemKind, name: string, namespace: string | undefined, error: unknown): void {
    this.#problems.set(keyOf(kind, name, namespace), `spec cannot be used: ${describe(error)}`);
  }

  /** Forgets an object's problem (its spec resolved). */
  delete(kind: SpecProblemKind, name: string, namespace?: string): void {
    if (this.#problems.size > 0) this.#problems.delete(keyOf(kind, name, namespace));
  }

  /** Forgets the problems of objects `exists` no longer finds. */
  prune(exists: (kind: SpecProblemKind, name: string, namespace: string | undefined) => boolean): void {
    for (const key of this.#problems.keys()) {
      const [kind, namespace, name] = key.split("\u0000") as [SpecProblemKind, string, string];
      if (!exists(kind, name, namespace === "" ? undefined : namespace)) this.#problems.delete(key);
    }
  }

  /** Forgets everything (a restored model resolves every spec again). */
  clear(): void {
    this.#problems.clear();
  }
}

/** VirtualMachines are namespaced (`default` when unset); Hosts are not. */
function keyOf(kind: SpecProblemKind, name: string, namespace: string | undefined): string {
  return `${kind}\u0000${kind === "VirtualMachine" ? (namespace ?? "default") : ""}\u0000${name}`;
}
