/**
 * Typed errors of the resource store. Each message is one paragraph in kubectl's words
 * (`virtualmachines "web-1" not found`), so the CLI can print it as is.
 */
import type { Kind } from "../api/types.js";

/** Plural resource names as kubectl prints them in errors. */
const PLURALS: Record<Kind, string> = {
  Host: "hosts",
  VirtualMachine: "virtualmachines",
  GuestOSProfile: "guestosprofiles",
  Scenario: "scenarios",
  Event: "events",
};

function describeObject(kind: Kind, name: string, namespace?: string): string {
  const plural = PLURALS[kind] ?? kind.toLowerCase();
  return namespace === undefined ? `${plural} "${name}"` : `${plural} "${name}" in namespace "${namespace}"`;
}

/** Base class of every error the store raises; `reason` is the Kubernetes status reason. */
export abstract class StoreError extends Error {
  /** Kubernetes-style reason: NotFound, AlreadyExists, Conflict, BadRequest. */
  abstract readonly reason: string;
}

/** The object does not exist. */
export class NotFoundError extends StoreError {
  readonly reason = "NotFound";
  constructor(
    readonly kind: Kind,
    readonly objectName: string,
    readonly namespace?: string,
  ) {
    super(`${describeObject(kind, objectName, namespace)} not found`);
    this.name = "NotFoundError";
  }
}

/** An object with the same kind, namespace and name already exists. */
export class AlreadyExistsError extends StoreError {
  readonly reason = "AlreadyExists";
  constructor(
    readonly kind: Kind,
    readonly objectName: string,
    readonly namespace?: string,
  ) {
    super(`${describeObject(kind, objectName, namespace)} already exists`);
    this.name = "AlreadyExistsError";
  }
}

/** A write named a resourceVersion the stored object has moved past (optimistic concurrency). */
export class ConflictError extends StoreError {
  readonly reason = "Conflict";
  constructor(
    readonly kind: Kind,
    readonly objectName: string,
    readonly namespace: string | undefined,
    readonly expectedResourceVersion: string,
    readonly actualResourceVersion: string,
  ) {
    super(
      `Operation cannot be fulfilled on ${describeObject(kind, objectName, namespace)}: the object has been modified ` +
        `(resourceVersion ${expectedResourceVersion} is stale, the stored one is ${actualResourceVersion}); read it again and retry`,
    );
    this.name = "ConflictError";
  }
}

/** A label selector that does not follow kubectl's grammar. */
export class LabelSelectorError extends StoreError {
  readonly reason = "BadRequest";
  constructor(
    readonly selector: string,
    readonly detail: string,
  ) {
    super(
      `invalid label selector "${selector}": ${detail}; expected comma-separated requirements like ` +
        "`app=web`, `tier!=db`, `env in (prod,staging)`, `env notin (dev)`, `gpu` or `!legacy`",
    );
    this.name = "LabelSelectorError";
  }
}

/** A kind the store does not hold, or an object without a usable name. */
export class InvalidObjectError extends StoreError {
  readonly reason = "BadRequest";
  constructor(message: string) {
    super(message);
    this.name = "InvalidObjectError";
  }
}
