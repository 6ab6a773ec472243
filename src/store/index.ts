/** The observable resource store: interfaces, the in-memory implementation, selectors and errors. */
export type { ApplyOptions, ApplyOutcome, ApplyResult, DeepReadonly, ListOptions, ResourceReader, ResourceStore, StatusWriter, WatchEvent } from "./types.js";
export { MemoryStore, STORE_KINDS, type MemoryStoreOptions, type StoreSnapshot } from "./memory-store.js";
export type { StatusSource } from "./status-source.js";
export { parseLabelSelector, matchesLabelSelector, type LabelSelector, type LabelRequirement } from "./label-selector.js";
export { StoreError, NotFoundError, AlreadyExistsError, ConflictError, LabelSelectorError, InvalidObjectError } from "./errors.js";
export { cloneData, deepEqual, deepFreeze } from "./immutable.js";
