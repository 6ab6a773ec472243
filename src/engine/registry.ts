/**
 * The fail-fast controller registry (kube-controller-manager's controller descriptors): builds
 * the ordered list of controllers a tick runs, and stops start-up with one clear message when a
 * controller is unnamed, named twice, malformed, or `disable` names a controller that is not there.
 */
import { ALL_KINDS, isKind } from "../api/kinds.js";
import { CONTROLLER_ORDER, CUSTOM_CONTROLLERS_SLOT, type Controller } from "./controller.js";

/** A start-up error in the controller set; the message names the controllers involved. */
export class ControllerRegistryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ControllerRegistryError";
  }
}

/**
 * Names an embedder's controller may not take: every place in CONTROLLER_ORDER (built-ins,
 * whether or not this engine runs them, and the custom slot) and `scenario`, the name the
 * Scenario runner logs under. A log entry's controller must say who made the decision.
 */
export const RESERVED_CONTROLLER_NAMES: readonly string[] = [...CONTROLLER_ORDER, "scenario"];

/** The longest controller name (a DNS label's length: names appear in every log line). */
export const MAX_CONTROLLER_NAME_LENGTH = 63;

/** What the registry orders. */
export interface ControllerRegistryInput {
  /** Built-in controllers (bound to TOKENS.Controller); each must have a place in CONTROLLER_ORDER. */
  builtins: readonly Controller[];
  /** Embedders' controllers (`controllers.add`), run at CUSTOM_CONTROLLERS_SLOT in this order. */
  added?: readonly Controller[];
  /** Names of built-in controllers not to run (`controllers.disable`). */
  disable?: readonly string[];
}

function label(source: string, index: number, controller: unknown): string {
  const name = (controller as { name?: unknown } | null)?.name;
  return typeof name === "string" && name.trim() !== "" ? `${source} controller "${name}"` : `${source} controller #${index + 1}`;
}

function checkShape(source: string, index: number, controller: Controller): void {
  const c = controller as Partial<Controller> | null;
  if (c === null || typeof c !== "object") {
    throw new ControllerRegistryError(`${source} controller #${index + 1} is not an object with name, forKind and reconcile`);
  }
  if (typeof c.name !== "string" || c.name.trim() === "") {
    throw new ControllerRegistryError(`${label(source, index, c)} has no name; every controller needs a unique, non-empty name`);
  }
  if (c.name.length > MAX_CONTROLLER_NAME_LENGTH || /[\s\p{Cc}]/u.test(c.name)) {
    throw new ControllerRegistryError(
      `${source} controller #${index + 1} is named ${JSON.stringify(c.name.slice(0, 40))}${c.name.length > 40 ? "…" : ""}; a name is 1 to ${MAX_CONTROLLER_NAME_LENGTH} characters without spaces or control characters`,
    );
  }
  if (!isKind(c.forKind)) {
    throw new ControllerRegistryError(`${label(source, index, c)} has forKind ${JSON.stringify(c.forKind)}; it must be one of ${ALL_KINDS.join(", ")}`);
  }
  if (c.prepare !== undefined && typeof c.prepare !== "function") {
    throw new ControllerRegistryError(`${label(source, index, c)} has a prepare that is not a function`);
  }
  if (typeof c.reconcile !== "function") {
    throw new ControllerRegistryError(`${label(source, index, c)} has no reconcile(request, context) method`);
  }
}

/** Orders controllers for a tick: built-ins by CONTROLLER_ORDER, added ones at the custom slot. Throws ControllerRegistryError. */
export function orderControllers(input: ControllerRegistryInput): readonly Controller[] {
  const added = input.added ?? [];
  const disable = input.disable ?? [];
  input.builtins.forEach((c, i) => checkShape("built-in", i, c));
  added.forEach((c, i) => checkShape("added", i, c));

  const seen = new Map<string, string>();
  const claim = (source: string, c: Controller): void => {
    const previous = seen.get(c.name);
    if (previous !== undefined) {
      throw new ControllerRegistryError(
        `two controllers are named "${c.name}" (${previous} and ${source}); controller names must be unique` +
          (source === "added" && previous === "built-in" ? ` — to replace the built-in one, add "${c.name}" to controllers.disable and give yours another name` : ""),
      );
    }
    seen.set(c.name, source);
  };
  input.builtins.forEach((c) => claim("built-in", c));
  added.forEach((c) => claim("added", c));
  added.forEach((c) => {
    if (RESERVED_CONTROLLER_NAMES.includes(c.name)) {
      throw new ControllerRegistryError(
        `added controller "${c.name}" takes a reserved name (${c.name === "scenario" ? "the Scenario runner logs as scenario" : "a built-in controller's; to replace a built-in, add its name to controllers.disable"}); ` +
          `give yours another name (reserved: ${RESERVED_CONTROLLER_NAMES.filter((n) => n !== CUSTOM_CONTROLLERS_SLOT).join(", ")})`,
      );
    }
  });

  const builtinNames = input.builtins.map((c) => c.name);
  for (const name of builtinNames) {
    if (!CONTROLLER_ORDER.includes(name) || name === CUSTOM_CONTROLLERS_SLOT) {
      throw new ControllerRegistryError(
        `built-in controller "${name}" has no place in CONTROLLER_ORDER (${CONTROLLER_ORDER.join(", ")}); add it there`,
      );
    }
  }
  for (const name of disable) {
    if (!builtinNames.includes(name)) {
      const known = [...builtinNames].sort().join(", ") || "(none)";
      throw new ControllerRegistryError(`controllers.disable names "${name}", which is not a built-in controller; known: ${known}`);
    }
  }

  const disabled = new Set(disable);
  const ordered: Controller[] = [];
  for (const slot of CONTROLLER_ORDER) {
    if (slot === CUSTOM_CONTROLLERS_SLOT) {
      ordered.push(...added);
    } else {
      const builtin = input.builtins.find((c) => c.name === slot);
      if (builtin !== undefined && !disabled.has(slot)) ordered.push(builtin);
    }
  }
  return ordered;
}
