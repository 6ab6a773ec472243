/**
 * `advise`: checks a cluster before (its specs) and after simulating it (what happened), and
 * quantifies the seed's advice with in-memory what-if runs. Two entry points: manifests (run here
 * for N ticks) and an engine restored from a saved state (read as it stands).
 */
import type { ManifestObject } from "../../api/types.js";
import type { Engine } from "../../engine/engine.js";
import { parseManifestTextOrThrow, validateManifestObjectsOrThrow } from "../../manifest/index.js";
import { ExplainError } from "../errors.js";
import { modelOf } from "../model-access.js";
import { hostFindings, vmFindings } from "./checks.js";
import type { MetricsSeries } from "../../metrics/metrics-series.js";
import { observeSaved } from "./observe.js";
import { observeSeries } from "./observe-series.js";
import { manifestsOf, runCluster } from "./run.js";
import { severityRank, type AdviceReport, type Finding } from "./types.js";
import { reservationWhatIfs } from "./what-if.js";

/** Simulated seconds advise runs manifests for by default (10 minutes). */
export const DEFAULT_ADVISE_SECONDS = 600;
/** How many of the most-ballooned VMs get a reservation what-if by default. */
export const DEFAULT_WHAT_IF_VMS = 3;

/** Options of {@link adviseManifests} and {@link adviseEngine}. */
export interface AdviseOptions {
  /** Ticks to simulate (default 10 simulated minutes); for a saved state, ticks the what-if replays run (default min(its tick, 10 minutes)). */
  ticks?: number;
  /** Random seed of the run (default 1; a saved state keeps its own). */
  seed?: number;
  /** Seconds per tick (default 1; a saved state keeps its own). */
  tickSeconds?: number;
  /** Most-ballooned VMs to re-run with a reservation (default 3; 0 disables the what-if runs). */
  whatIf?: number;
  /**
   * For a saved state: its per-tick metrics series (`<state>/metrics.json`), what happened is
   * read from; without one only the current tick is known.
   */
  series?: MetricsSeries;
}

/** Most severe first, then by object and check. */
function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.object.localeCompare(b.object) || a.check.localeCompare(b.check));
}

/** Advice for manifests (YAML/JSON text or objects): simulate them in memory, then check. */
export function adviseManifests(input: string | readonly object[], options: AdviseOptions = {}): AdviceReport {
  const objects: ManifestObject[] = typeof input === "string" ? parseManifestTextOrThrow(input, "<input>") : validateManifestObjectsOrThrow(input, "<objects>");
  if (!objects.some((o) => o.kind === "Host")) throw new ExplainError("InvalidInput", "advise needs at least one Host in the manifests");
  const seed = options.seed ?? 1;
  const tickSeconds = options.tickSeconds ?? 1;
  const ticks = Math.max(1, options.ticks ?? Math.ceil(DEFAULT_ADVISE_SECONDS / tickSeconds - 1e-9));
  const run = runCluster(objects, ticks, seed, tickSeconds);
  const model = modelOf(run.engine);
  const findings = [
    ...vmFindings(model, run.engine.store, run.observation),
    ...hostFindings(model, run.observation, tickSeconds),
    ...reservationWhatIfs(objects, model, run.observation, { top: options.whatIf ?? DEFAULT_WHAT_IF_VMS, ticks, seed, tickSeconds }),
  ];
  return { findings: sortFindings(findings), ticks, tickSeconds, mode: "manifests" };
}

/**
 * Advice for a saved simulation (a restored engine): checks its specs, and what happened from its
 * saved metrics series (`options.series`), the same way {@link adviseManifests} reads the series
 * it records, so both give the same findings for the same run. When the series covers only the
 * last ticks (or is missing) the report says so in `basis`. The what-if runs replay the current
 * manifests from the start with the saved seed.
 */
export function adviseEngine(engine: Engine, options: AdviseOptions = {}): AdviceReport {
  const model = modelOf(engine);
  const tickSeconds = engine.options.tickSeconds;
  const { observation, basis } = observeState(model, engine.tick, options.series);
  const findings = [...vmFindings(model, engine.store, observation), ...hostFindings(model, observation, tickSeconds)];
  const top = options.whatIf ?? DEFAULT_WHAT_IF_VMS;
  const replayTicks = Math.min(engine.tick, options.ticks ?? Math.ceil(DEFAULT_ADVISE_SECONDS / tickSeconds - 1e-9));
  if (top > 0 && replayTicks > 0) {
    const objects = manifestsOf(engine);
    const seed = engine.options.seed;
    const baseline = runCluster(objects, replayTicks, seed, tickSeconds);
    // a replay that records the very series saved is the saved run itself: nothing to point out
    const same = options.series !== undefined && replayTicks === engine.tick && JSON.stringify(baseline.series) === JSON.stringify(options.series);
    findings.push(
      ...reservationWhatIfs(objects, modelOf(baseline.engine), baseline.observation, {
        top,
        ticks: replayTicks,
        seed,
        tickSeconds,
        ...(same ? {} : { replayNote: `replaying the current manifests from the start for ${replayTicks} ticks` }),
      }),
    );
  }
  return { findings: sortFindings(findings), ticks: engine.tick, tickSeconds, mode: "state", ...(basis ? { basis } : {}) };
}

/** What happened in a saved simulation, and a note when that is not the whole run. */
function observeState(model: ReturnType<typeof modelOf>, now: number, series: MetricsSeries | undefined): { observation: ReturnType<typeof observeSaved>; basis?: string } {
  if (!series || series.length === 0) {
    const observation = observeSaved(model, now);
    observation.snapshot = true;
    return { observation, basis: `no metrics series is saved: what happened is read from tick ${now} alone (host states from their state-change records)` };
  }
  const { observation, coverage } = observeSeries(series, model);
  const whole = coverage.firstTick <= coverage.stride && coverage.lastTick === now;
  if (whole) return { observation, ...(coverage.stride > 1 ? { basis: `based on the saved metrics, one sample every ${coverage.stride} ticks` } : {}) };
  return { observation, basis: `based on the last ${coverage.lastTick - coverage.firstTick + coverage.stride} ticks saved (ticks ${coverage.firstTick}–${coverage.lastTick} of ${now})` };
}
