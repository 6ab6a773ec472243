/** What `advise` reports: findings with a severity, the object, a concrete fix and where the rule comes from. */

/** How bad a finding is; `--fail-on` compares against this order. */
export type Severity = "info" | "warning" | "critical";

/** Severities from least to most severe. */
export const SEVERITIES: readonly Severity[] = ["info", "warning", "critical"];

/** Rank of a severity: info 0, warning 1, critical 2. */
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** One problem found in a cluster. */
export interface Finding {
  severity: Severity;
  /** Which check found it (stable identifier, e.g. `NoBalloonDriver`). */
  check: string;
  /** The object: `vm/NS/NAME` or `host/NAME`. */
  object: string;
  /** What is wrong, with the numbers. */
  message: string;
  /** A concrete change that would help. */
  fix: string;
  /** Where the rule comes from: a memory-model.md section or the seed article. */
  source: string;
}

/** The outcome of an advise run. */
export interface AdviceReport {
  findings: Finding[];
  /** Ticks simulated (or, for a saved state, the tick it is at). */
  ticks: number;
  /** Simulated seconds per tick. */
  tickSeconds: number;
  /** "manifests" when the cluster was simulated here, "state" when a saved simulation was read. */
  mode: "manifests" | "state";
  /** For a saved state whose metrics series does not cover the whole run: which ticks the findings read. */
  basis?: string;
}

/** Whether any finding is at least as severe as `failOn`. */
export function reachesSeverity(findings: readonly Finding[], failOn: Severity): boolean {
  return findings.some((f) => severityRank(f.severity) >= severityRank(failOn));
}
