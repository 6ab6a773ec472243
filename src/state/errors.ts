/**
 * Errors a user can meet when using a state directory: it is locked by another writer, or a
 * file in it cannot be read. Both are one paragraph and name the directory.
 */

/** Another live memplane process holds the state directory's lock. */
export class StateLockedError extends Error {
  /** Pid of the lock holder. */
  readonly pid: number;

  constructor(dir: string, pid: number, command: string, since: string) {
    super(`state directory ${dir} is locked by pid ${pid} (${command}, since ${since}); wait for it to finish or stop it`);
    this.name = "StateLockedError";
    this.pid = pid;
  }
}

/** A file in the state directory is unreadable or not what memplane wrote. */
export class StateCorruptError extends Error {
  constructor(file: string, detail: string) {
    super(`cannot read saved state ${file}: ${detail}; move the state directory aside (or pass another --state DIR) to start afresh`);
    this.name = "StateCorruptError";
  }
}
