/** Human-readable page counts for log and condition messages. */

/**
 * A short, readable size: exact when it is a whole MiB or GiB, otherwise MiB with one decimal
 * (`812.6Mi`) or GiB with two (`12.34Gi`); `unlimited` for Infinity.
 */
export function approx(pages: number): string {
  if (!Number.isFinite(pages)) return "unlimited";
  const p = Math.max(0, Math.round(pages));
  if (p === 0) return "0";
  if (p % (256 * 1024) === 0) return `${p / (256 * 1024)}Gi`;
  if (p % 256 === 0 && p < 10 * 256 * 1024) return `${p / 256}Mi`;
  const mib = p / 256;
  return mib >= 10240 ? `${(mib / 1024).toFixed(2)}Gi` : `${mib.toFixed(1)}Mi`;
}
