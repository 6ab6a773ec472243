/**
 * Keeps memplane honest while etcd is down: {@link EtcdGuard.call} runs one etcd call under a
 * deadline, so nothing waits forever; a call that finds etcd unreachable marks it down and
 * starts a background reconnect that probes etcd with exponential back-off (250 ms doubling to a
 * 5 s cap by default). While etcd is down every call fails at once with an
 * {@link EtcdUnavailableError} (HTTP 503) naming the endpoints and the cause; the first
 * successful probe marks etcd up again and calls go through.
 */
import { EtcdUnavailableError, connectionProblem, isTransient } from "./errors.js";
import { describeTarget, redact, type EtcdTarget } from "./options.js";

/** Exponential back-off: the first delay, the factor, and the cap, in milliseconds. */
export interface Backoff {
  initialMs: number;
  factor: number;
  maxMs: number;
}

/** The default reconnect back-off: 250 ms, 500 ms, 1 s, 2 s, 4 s, then every 5 s. */
export const DEFAULT_BACKOFF: Backoff = { initialMs: 250, factor: 2, maxMs: 5000 };

/** The delay before reconnect attempt `attempt` (0-based). */
export function backoffDelay(attempt: number, backoff: Backoff = DEFAULT_BACKOFF): number {
  return Math.min(backoff.maxMs, backoff.initialMs * Math.pow(backoff.factor, Math.max(0, attempt)));
}

/** Options of an {@link EtcdGuard}. */
export interface EtcdGuardOptions {
  /** Names the endpoints (and the password to scrub) in messages. */
  target: EtcdTarget;
  /** Checks that etcd answers (e.g. {@link probeEtcd}); rejects when it does not. */
  probe: () => Promise<void>;
  /** Bound of one guarded call in milliseconds (the client's own deadline should be no longer). */
  callTimeoutMs: number;
  backoff?: Backoff;
  /** Told when etcd goes down (with the error) and comes back (without). */
  onChange?: (up: boolean, error?: EtcdUnavailableError) => void;
}

/** See the module comment. */
export class EtcdGuard {
  private down: EtcdUnavailableError | undefined;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private waiters: (() => void)[] = [];

  constructor(private readonly options: EtcdGuardOptions) {}

  /** True while etcd is believed reachable. */
  get up(): boolean {
    return this.down === undefined;
  }

  /**
   * Runs `fn` (one etcd call) within the call deadline. Fails at once while etcd is down; a
   * transient failure marks it down and starts the reconnect. Errors that are etcd's answer (not a
   * connection problem) are passed through for the caller to interpret.
   */
  async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new EtcdUnavailableError("closed", `the etcd connection to ${describeTarget(this.options.target)} is closed (${what})`);
    if (this.down) throw this.stillDown(what);
    let timer: NodeJS.Timeout | undefined;
    const bound = this.options.callTimeoutMs;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${bound} ms (timed out)`)), bound);
    });
    try {
      return await Promise.race([fn(), timeout]);
    } catch (err) {
      const problem = connectionProblem(err, this.options.target, `while trying to ${what}`);
      if (problem === undefined) throw err;
      if (!isTransient(problem)) throw problem;
      this.markDown(problem, what);
      throw this.stillDown(what);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves once etcd is up (at once when it is). */
  whenUp(): Promise<void> {
    if (this.up) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * Marks etcd down (as a failed watch or call outside {@link call} found it, while trying to
   * `what`) and starts reconnecting; `onChange` hears one line saying so.
   */
  markDown(error: EtcdUnavailableError, what?: string): void {
    if (this.closed || this.down) return;
    this.down = error;
    this.attempt = 0;
    const during = what === undefined ? "" : ` while trying to ${what}`;
    const note = new EtcdUnavailableError(
      error.problem,
      redact(
        `etcd at ${describeTarget(this.options.target)} became unavailable${during} (${error.detail || error.problem}); ` +
          `memplane reconnects with back-off up to ${this.capSeconds()} s and answers what needs etcd with 503 ServiceUnavailable until then`,
        this.options.target.secrets,
      ),
      error.detail,
    );
    this.options.onChange?.(false, note);
    this.schedule();
  }

  private capSeconds(): number {
    return (this.options.backoff ?? DEFAULT_BACKOFF).maxMs / 1000;
  }

  /** Stops reconnecting; later calls fail with a "closed" error. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private stillDown(what: string): EtcdUnavailableError {
    const cause = this.down!;
    const cap = this.capSeconds();
    return new EtcdUnavailableError(
      cause.problem,
      redact(
        `etcd at ${describeTarget(this.options.target)} is unavailable (${cause.detail || cause.problem}): cannot ${what} until it is back; memplane reconnects with back-off up to ${cap} s`,
        this.options.target.secrets,
      ),
      cause.detail,
    );
  }

  private schedule(): void {
    if (this.closed) return;
    const delay = backoffDelay(this.attempt++, this.options.backoff);
    this.timer = setTimeout(() => void this.reconnect(), delay);
    this.timer.unref();
  }

  private async reconnect(): Promise<void> {
    if (this.closed) return;
    try {
      await this.options.probe();
    } catch (err) {
      const problem = connectionProblem(err, this.options.target, "while reconnecting");
      if (problem !== undefined && !isTransient(problem)) this.down = problem;
      this.schedule();
      return;
    }
    if (this.closed) return;
    this.down = undefined;
    this.options.onChange?.(true);
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}
