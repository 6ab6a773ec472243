/**
 * V8 settings the `memplane` executable gives itself before anything else is loaded
 * (docs/performance.md, *Allocation-site pretenuring*). Its `#!/usr/bin/env node` line cannot
 * pass node flags (BusyBox's `env` has no `-S`), so they are set here, for every thread:
 *
 * - `--no-allocation-site-pretenuring`: V8 makes an allocation site allocate straight into the
 *   old generation once most of what it made outlived a scavenge. A busy tick's log entries and
 *   messages live as long as the tick at first (admission), so their sites were tenured for good,
 *   and afterwards every entry a tick made went to the old generation — at 100k VMs ≈ 60 MiB a
 *   tick that only a full collection frees: 10–15 % of the tick's CPU and ≈ 500 MiB of peak RSS.
 */
import { setFlagsFromString } from "node:v8";

/** The V8 flags this module sets (`npm run bench` passes the same ones on node's command line). */
const V8_TUNING_FLAGS = ["--no-allocation-site-pretenuring"] as const;

for (const flag of V8_TUNING_FLAGS) setFlagsFromString(flag);
