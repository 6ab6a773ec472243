/**
 * oVirt MOM's KSM policy ("Auto-KSM", `03-ksm.policy` in vdsm's `static/etc/vdsm/mom.d/`, the
 * same rules as the KSM part of MOM's `mom-balloon.policy`) as pure arithmetic. Every policy
 * interval (10 s) MOM decides whether the kernel's same-page merging daemon (ksmd) runs and how
 * fast it scans:
 *
 *     threshold = mem_available × ksm_free_percent (0.20)
 *     ksm_run   = 0  when threshold + ksm_shareable < mem_available and mem_free > threshold
 *               = 1  otherwise, with
 *                    ksm_sleep_millisecs = ksm_sleep_ms_baseline (10) × 16 GiB / mem_available
 *                    ksm_pages_to_scan  += 300 (boost) when mem_free < threshold, else −50 (decay),
 *                                          kept within [64, 1250]
 *
 * `ksm_shareable` is MOM's estimate of the memory qemu has offered to KSM: the virtual size of
 * the qemu processes (`HostKSM` collector), here Σ (memory + overhead) of the running VMs.
 * ksmd then scans `pages_to_scan` pages every `sleep_millisecs`. Stopping it (`ksm_run 0`)
 * leaves merged pages merged.
 */

/** MOM's KSM constants (03-ksm.policy). */
export const MOM_KSM_POLICY = {
  /** Host under pressure when free memory is below this share of its memory. */
  freePercent: 0.2,
  /** Pages added to pages_to_scan per evaluation under pressure. */
  pagesBoost: 300,
  /** Pages taken from pages_to_scan per evaluation otherwise. */
  pagesDecay: -50,
  /** Bounds of pages_to_scan. */
  npagesMin: 64,
  npagesMax: 1250,
  /** Milliseconds ksmd sleeps between scans on a 16 GiB host (less on larger hosts). */
  sleepMsBaseline: 10,
  /** pages_to_scan of a kernel nobody has tuned yet (the kernel's default). */
  kernelDefaultPagesToScan: 100,
} as const;

/** What MOM sets for ksmd at one evaluation. */
export interface KsmSetting {
  /** ksm_run: whether ksmd scans. */
  run: boolean;
  /** ksm_pages_to_scan after this evaluation. */
  pagesToScan: number;
  /** ksm_sleep_millisecs (only meaningful while running). */
  sleepMs: number;
  /** Why: MOM's two conditions. */
  reason: "KsmIdle" | "KsmCommitted" | "KsmPressure";
}

/**
 * One evaluation of MOM's KSM rules. Sizes in any one unit (pages): `available` is the host's
 * memory (mem_available), `free` its free memory, `shareable` Σ guest memory offered to KSM;
 * `pagesToScan` the value before this evaluation.
 */
export function momKsmDecide(available: number, free: number, shareable: number, pagesToScan: number): KsmSetting {
  const p = MOM_KSM_POLICY;
  const threshold = available * p.freePercent;
  if (threshold + shareable < available && free > threshold) return { run: false, pagesToScan, sleepMs: 0, reason: "KsmIdle" };
  // MOM divides whole numbers (KiB there, pages here: the ratio is the same); 16 GiB = 4 194 304 pages
  const sleepMs = available > 0 ? Math.floor((p.sleepMsBaseline * 16 * 1024 * 256) / available) : p.sleepMsBaseline;
  const underPressure = free < threshold;
  const next = Math.min(p.npagesMax, Math.max(p.npagesMin, pagesToScan + (underPressure ? p.pagesBoost : p.pagesDecay)));
  return { run: true, pagesToScan: next, sleepMs, reason: underPressure ? "KsmPressure" : "KsmCommitted" };
}

/** Pages ksmd scans per second at a setting (0 when stopped; a 0 ms sleep — hosts over 160 GiB — counts as 1 ms). */
export function ksmPagesPerSecond(setting: Pick<KsmSetting, "run" | "pagesToScan" | "sleepMs">): number {
  if (!setting.run) return 0;
  return (setting.pagesToScan * 1000) / Math.max(1, setting.sleepMs);
}
