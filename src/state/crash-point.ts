/**
 * A test hook for the commit protocol: `MEMPLANE_TEST_CRASH_AT=POINT` (or `POINT:N`, the Nth
 * time the point is reached) makes the process SIGKILL itself exactly there, so a test can
 * prove that a crash at every step of a save leaves a state directory that loads. It is read
 * only from the environment and costs one string comparison when unset.
 */

/** The named moments of a save at which a test may crash the writer. */
export type CrashPoint =
  /** Log entries were written past the committed length (mid-run, not yet fsynced or committed). */
  | "log-flushed"
  /** The log was fsynced; `state.json` is not yet replaced. */
  | "log-synced"
  /** `state.json` commits the appended log; the retention trim has not started. */
  | "state-committed"
  /** The trimmed log is written and fsynced to a temp file, not yet renamed over `log.jsonl`. */
  | "trim-written"
  /** The trimmed log replaced `log.jsonl`; `state.json` still records the untrimmed length. */
  | "trim-renamed"
  /** A writer repaired the log while loading; `state.json` does not yet record the repair. */
  | "repair-written";

const seen = new Map<string, number>();

/** SIGKILLs this process when `MEMPLANE_TEST_CRASH_AT` names `point` (and this is its Nth visit). */
export function crashPoint(point: CrashPoint): void {
  const wanted = process.env.MEMPLANE_TEST_CRASH_AT;
  if (wanted === undefined || !wanted.startsWith(point)) return;
  const [name, nth] = wanted.split(":");
  if (name !== point) return;
  const visits = (seen.get(point) ?? 0) + 1;
  seen.set(point, visits);
  if (visits === (nth === undefined ? 1 : Number(nth))) process.kill(process.pid, "SIGKILL");
}
