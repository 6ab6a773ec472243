/**
 * What the metrics series does not hold but a VM's chart marks: the host the VM runs on (so the
 * chart can mark that host's state changes) and when each workload phase began (simulated
 * seconds: the VM's last power-on plus the phase's `after`). Read from the memory model when
 * the report is written; a VM restarted during the run shows the phases of its last boot.
 */
import type { MemoryModelReader } from "../hypervisor/model-api.js";
import { formatSimTime } from "../api/duration.js";

/** A workload phase's start, drawn as a marker on the VM's chart. */
export interface PhaseMarker {
  /** Simulated seconds. */
  seconds: number;
  /** E.g. "phase 2 (after 5m): allocated 3.0 GiB, active 40%". */
  label: string;
}

/** Per VM (`namespace/name`): its host and its workload phase markers. */
export type ReportVmContext = Record<string, { host: string; phases: PhaseMarker[] }>;

/** Reads each VM's host and workload phase starts from the model. */
export function reportVmContext(model: MemoryModelReader): ReportVmContext {
  const out: ReportVmContext = {};
  for (const v of model.allVms()) {
    const running = v.phase === "Running";
    const phases = running
      ? v.spec.workload.phases.map((p, i) => {
          const what = [
            p.allocated === undefined ? "" : `allocated ${(p.allocated / 256 / 1024).toFixed(1)} GiB`,
            p.active === undefined ? "" : `active ${Math.round(p.active)}%`,
            p.ramp > 0 ? `over ${formatSimTime(p.ramp)}` : "",
          ].filter((s) => s !== "");
          return { seconds: v.poweredOnAt + p.after, label: `phase ${i + 1} (after ${formatSimTime(p.after)})${what.length ? ": " + what.join(", ") : ""}` };
        })
      : [];
    out[`${v.namespace}/${v.name}`] = { host: v.hostName, phases };
  }
  return out;
}
