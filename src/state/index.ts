/** The saved-state directory: snapshot, reconciliation log and writer lock. */
export { DEFAULT_STATE_DIR, LOG_FILE, STATE_FILE, STATE_FORMAT, StateDirectory, StateWriter } from "./state-directory.js";
export type { LogReadResult, SavedState, StateDirectoryOptions } from "./state-directory.js";
export { DEFAULT_LOCK_TIMEOUT_MS, EMPTY_LOCK_STALE_MS, LOCK_FILE, StateLock, isProcessAlive } from "./lock.js";
export type { AcquireOptions, LockOwner } from "./lock.js";
export { DEFAULT_LOG_RETENTION, parseLogLines } from "./log-file.js";
export { StateCorruptError, StateDirectoryError, StateLockedError } from "./errors.js";
export { writeFileAtomicSync } from "./atomic-file.js";
