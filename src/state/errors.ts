/**
 * Errors a user can meet when using a state directory: it is locked by another writer, a file
 * in it cannot be read, or it cannot be used at all (read-only, a directory where a file
 * belongs). Each is one paragraph and names the directory or the file.
 */

/** Another live memplane process holds the state directory's lock. */
export class StateLockedError extends Error {
  /** Pid of the lock holder (0 when unknown). */
  readonly pid: number;

  constructor(dir: string, pid: number, command: string, since: string) {
    super(`state directory ${dir} is locked by pid ${pid} (${command}, since ${since}); wait for it to finish or stop it`);
    this.name = "StateLockedError";
    this.pid = pid;
  }

  /** The lock is an empty or unreadable file of an unknown writer that is too young to take over. */
  static unknownHolder(dir: string, lockFile: string, staleAfterMs: number): StateLockedError {
    const err = new StateLockedError(dir, 0, "", "");
    err.message =
      `state directory ${dir} is locked by an unknown writer (${lockFile} is empty or unreadable); ` +
      `it is taken over once it is ${staleAfterMs / 1000} s old, so retry, or remove it if no memplane is running`;
    return err;
  }
}

/** A file in the state directory is unreadable or not what memplane wrote. */
export class StateCorruptError extends Error {
  constructor(file: string, detail: string) {
    super(`cannot read saved state ${file}: ${detail}; move the state directory aside (or pass another --state DIR) to start afresh`);
    this.name = "StateCorruptError";
  }
}

/** The state directory cannot be used: it cannot be created or written, or its lock is something memplane did not make. */
export class StateDirectoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StateDirectoryError";
  }
}

/** A readable reason for a file-system error: `read-only file system`, `permission denied`… */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case "ENOENT":
      return "no such file or directory";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EROFS":
      return "read-only file system";
    case "ENOSPC":
      return "no space left on device";
    case "EDQUOT":
      return "disk quota exceeded";
    case "ENOTDIR":
      return "not a directory";
    case "EISDIR":
      return "is a directory";
    default:
      return typeof code === "string" ? `${code} (${(err as NodeJS.ErrnoException).syscall ?? "file operation"} failed)` : String((err as Error)?.message ?? err);
  }
}
