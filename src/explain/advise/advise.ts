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
import { observeSaved } from "./observe.js";
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
 * Advice for a simulation as it stands (a restored saved state): checks its specs and its current
 * memory state; time under pressure comes from the hosts' state-change records (bounded). The
 * what-if runs replay the current manifests from the start with the saved seed.
 */
export function adviseEngine(engine: Engine, options: AdviseOptions = {}): AdviceReport {
  const model = modelOf(engine);
  const tickSeconds = engine.options.tickSeconds;
  const observation = observeSaved(model, engine.tick);
  const findings = [...vmFindings(model, engine.store, observation), ...hostFindings(model, observation, tickSeconds)];
  const top = options.whatIf ?? DEFAULT_WHAT_IF_VMS;
  const replayTicks = Math.min(engine.tick, options.ticks ?? Math.ceil(DEFAULT_ADVISE_SECONDS / tickSeconds - 1e-9));
  if (top > 0 && replayTicks > 0) {
    const objects = manifestsOf(engine);
    const seed = engine.options.seed;
    const baseline = runCluster(objects, replayTicks, seed, tickSeconds);
    findings.push(
      ...reservationWhatIfs(objects, modelOf(baseline.engine), baseline.observation, {
        top,
        ticks: replayTicks,
        seed,
        tickSeconds,
        replayNote: `replaying the current manifests from the start for ${replayTicks} ticks`,
      }),
    );
  }
  return { findings: sortFindings(findings), ticks: engine.tick, tickSeconds, mode: "state" };
}
