/** Text form of an advice report: one block per finding, most severe first, and a summary line. */
import { formatSimTime } from "../../api/duration.js";
import { SEVERITIES, type AdviceReport } from "./types.js";

/** The report as text (no colour). */
export function formatAdvice(report: AdviceReport): string {
  const when =
    report.mode === "manifests"
      ? `after simulating ${report.ticks} ticks (${formatSimTime(report.ticks * report.tickSeconds)})`
      : `for the saved simulation at tick ${report.ticks} (${formatSimTime(report.ticks * report.tickSeconds)})`;
  if (report.findings.length === 0) return `No findings ${when}${report.basis ? `; ${report.basis}` : ""}.\n`;
  const lines: string[] = report.basis ? [`Note: ${report.basis}.`, ""] : [];
  for (const f of report.findings) {
    lines.push(`${f.severity.toUpperCase()} ${f.check} ${f.object}`);
    lines.push(`  ${f.message}`);
    lines.push(`  fix: ${f.fix}`);
    lines.push(`  source: ${f.source}`);
    lines.push("");
  }
  const counts = [...SEVERITIES].reverse().map((s) => `${report.findings.filter((f) => f.severity === s).length} ${s}`);
  lines.push(`${report.findings.length} finding${report.findings.length === 1 ? "" : "s"} ${when}: ${counts.join(", ")}.`);
  return lines.join("\n") + "\n";
}
