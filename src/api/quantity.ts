/**
 * Memory quantities: the Kubernetes quantity grammar for byte sizes (`512Mi`, `1.5Gi`, `8G`,
 * `1000000`, `1e9`) parsed with exact integer arithmetic, and converted to the simulation's unit,
 * whole 4 KiB pages (docs/memory-model.md §1). Like cdk8s `Size`, callers never juggle bare floats.
 */

/** Bytes in one simulated memory page (docs/memory-model.md §1). */
export const PAGE_SIZE = 4096;

const PAGE_SIZE_N = BigInt(PAGE_SIZE);

/** Binary suffixes and their byte multipliers, largest first. */
export const BINARY_SUFFIXES: readonly (readonly [suffix: string, bytes: bigint])[] = [
  ["Ei", 1n << 60n],
  ["Pi", 1n << 50n],
  ["Ti", 1n << 40n],
  ["Gi", 1n << 30n],
  ["Mi", 1n << 20n],
  ["Ki", 1n << 10n],
];

/** Decimal suffixes and their byte multipliers. */
export const DECIMAL_SUFFIXES: readonly (readonly [suffix: string, bytes: bigint])[] = [
  ["E", 10n ** 18n],
  ["P", 10n ** 15n],
  ["T", 10n ** 12n],
  ["G", 10n ** 9n],
  ["M", 10n ** 6n],
  ["k", 10n ** 3n],
];

const MULTIPLIERS = new Map<string, bigint>([...BINARY_SUFFIXES, ...DECIMAL_SUFFIXES]);

/**
 * The quantity grammar as a regular expression source (shared with `schemas/*.json`, where a test
 * checks it is the same): digits with an optional fraction, then a suffix or a decimal exponent.
 */
export const QUANTITY_PATTERN = "^([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$";

const QUANTITY_RE = new RegExp(QUANTITY_PATTERN);

/** What error messages say is accepted. */
export const QUANTITY_HELP =
  "expected a non-negative number of bytes with an optional suffix Ki, Mi, Gi, Ti, Pi, Ei (binary) " +
  "or k, M, G, T, P, E (decimal), e.g. 512Mi, 1.5Gi, 8G, 1000000";

/** Longest quantity string accepted (guards BigInt work on absurd input). */
const MAX_QUANTITY_LENGTH = 64;

/** Largest decimal exponent considered before the value is declared too large. */
const MAX_EXPONENT = 40;

/** A quantity the user wrote that is not a valid memory size. */
export class QuantityError extends Error {
  /** The offending input, as given. */
  readonly input: unknown;

  constructor(input: unknown, problem: string) {
    super(`invalid quantity ${describeInput(input)}: ${problem}`);
    this.name = "QuantityError";
    this.input = input;
  }
}

/** The input as a message shows it: a string quoted, and cut at 40 characters (a 1 MB value must not make a 1 MB message). */
function describeInput(input: unknown): string {
  if (typeof input === "string") return JSON.stringify(input.length > 40 ? `${input.slice(0, 37)}...` : input);
  return String(input);
}

const MAX_BYTES = BigInt(Number.MAX_SAFE_INTEGER) * PAGE_SIZE_N;

/**
 * Parses a quantity to an exact number of bytes. Decimals that do not land on a whole byte round
 * up (`0.5` → 1). Numbers are bytes. Throws {@link QuantityError} on anything else, on negative,
 * NaN or infinite values, and on sizes of more than `Number.MAX_SAFE_INTEGER` pages.
 */
export function parseQuantity(input: string | number): bigint {
  let text: string;
  if (typeof input === "number") {
    if (!Number.isFinite(input)) throw new QuantityError(input, `must be a finite number; ${QUANTITY_HELP}`);
    if (input < 0) throw new QuantityError(input, `must not be negative; ${QUANTITY_HELP}`);
    text = Number.isInteger(input) ? BigInt(input).toString() : String(input);
  } else if (typeof input === "string") {
    text = input.trim();
  } else {
    throw new QuantityError(input, QUANTITY_HELP);
  }
  if (text === "") throw new QuantityError(input, `is empty; ${QUANTITY_HELP}`);
  if (text.startsWith("-")) throw new QuantityError(input, `must not be negative; ${QUANTITY_HELP}`);
  if (text.length > MAX_QUANTITY_LENGTH) throw new QuantityError(input, `is too long; ${QUANTITY_HELP}`);
  const m = QUANTITY_RE.exec(text);
  if (!m) throw new QuantityError(input, QUANTITY_HELP);
  const [, number, , suffix] = m as unknown as [string, string, string | undefined, string | undefined];
  const dot = number.indexOf(".");
  const intPart = dot < 0 ? number : number.slice(0, dot);
  const fracPart = dot < 0 ? "" : number.slice(dot + 1);
  const digits = BigInt((intPart + fracPart).replace(/^0+(?=.)/, "") || "0");
  let numerator = digits;
  let denominator = 10n ** BigInt(fracPart.length);
  if (suffix !== undefined && /^[eE][+-]?[0-9]/.test(suffix)) {
    const exponent = Number(suffix.slice(1));
    if (digits !== 0n) {
      if (exponent > MAX_EXPONENT) throw new QuantityError(input, tooLarge());
      if (exponent >= 0) numerator *= 10n ** BigInt(exponent);
      // Below 10^-40 a non-zero value still rounds up to one byte; cap the work.
      else denominator *= 10n ** BigInt(Math.min(-exponent, MAX_EXPONENT));
    }
  } else if (suffix !== undefined) {
    numerator *= MULTIPLIERS.get(suffix)!;
  }
  const bytes = (numerator + denominator - 1n) / denominator;
  if (bytes > MAX_BYTES) throw new QuantityError(input, tooLarge());
  return bytes;
}

function tooLarge(): string {
  return `is too large (more than ${Number.MAX_SAFE_INTEGER} pages of ${PAGE_SIZE} bytes)`;
}

/** True when the input parses as a quantity. */
export function isQuantity(input: unknown): input is string | number {
  if (typeof input !== "string" && typeof input !== "number") return false;
  try {
    parseQuantity(input);
    return true;
  } catch {
    return false;
  }
}

/** Converts a quantity to whole 4 KiB pages, rounding UP (docs/memory-model.md §1). */
export function quantityToPages(input: string | number): number {
  return bytesToPages(parseQuantity(input));
}

/** Whole pages needed to hold `bytes` (rounded up). */
export function bytesToPages(bytes: bigint): number {
  return Number((bytes + PAGE_SIZE_N - 1n) / PAGE_SIZE_N);
}

function checkPages(pages: number): void {
  if (!Number.isSafeInteger(pages) || pages < 0) {
    throw new RangeError(`page count must be a non-negative safe integer, got ${pages}`);
  }
}

/**
 * Formats a byte count exactly with the largest binary suffix that divides it: `528Mi`,
 * `1300228Ki`, `0`, `8Gi`; byte counts that are not a multiple of 1Ki are written as plain bytes.
 */
export function bytesToQuantity(bytes: bigint): string {
  if (bytes < 0n) throw new RangeError(`byte count must not be negative, got ${bytes}`);
  if (bytes === 0n) return "0";
  for (const [suffix, size] of BINARY_SUFFIXES) {
    if (bytes % size === 0n) return `${bytes / size}${suffix}`;
  }
  return bytes.toString();
}

/** Formats a page count as a canonical quantity string (docs/manifests.md, the quantity type): `528Mi`, `1300228Ki`, `0`. */
export function pagesToQuantity(pages: number): string {
  checkPages(pages);
  return bytesToQuantity(BigInt(pages) * PAGE_SIZE_N);
}

/** The canonical form of a quantity: rounded up to whole pages, largest exact binary suffix (`1.5Gi` → `1536Mi`). */
export function canonicalQuantity(input: string | number): string {
  return pagesToQuantity(quantityToPages(input));
}

const HUMAN_UNITS: readonly (readonly [unit: string, bytes: number])[] = [
  ["PiB", 2 ** 50],
  ["TiB", 2 ** 40],
  ["GiB", 2 ** 30],
  ["MiB", 2 ** 20],
  ["KiB", 2 ** 10],
];

/**
 * Formats pages for people at a terminal, in the largest binary unit that keeps the number ≥ 1,
 * with two decimals below 10 and one decimal from 10 up: `0 B`, `4.00 KiB`, `3.50 GiB`,
 * `512.0 MiB`, `1.2 TiB`. Not exact: use {@link pagesToQuantity} for anything a program reads.
 */
export function formatPagesHuman(pages: number): string {
  checkPages(pages);
  if (pages === 0) return "0 B";
  const bytes = pages * PAGE_SIZE;
  const [unit, size] = HUMAN_UNITS.find(([, s]) => bytes >= s) ?? HUMAN_UNITS[HUMAN_UNITS.length - 1]!;
  const value = bytes / size;
  return `${value.toFixed(value < 10 ? 2 : 1)} ${unit}`;
}

/** The percentage grammar (`25%`, `12.5%`) as a regular expression source, shared with the schemas. */
export const PERCENT_STRING_PATTERN = "^([0-9]+(\\.[0-9]+)?|\\.[0-9]+)%$";

const PERCENT_RE = new RegExp(PERCENT_STRING_PATTERN);

/** True for a string like `25%`. */
export function isPercentString(input: unknown): input is `${number}%` {
  return typeof input === "string" && PERCENT_RE.test(input.trim());
}

/**
 * Pages for a field that takes either a percentage of `basePages` (`25%`, rounded up to whole
 * pages) or a quantity (`workload.allocated`). Percentages above 100 are computed as given;
 * callers cap. Throws {@link QuantityError} on anything else.
 */
export function percentOrQuantityToPages(input: string | number, basePages: number): number {
  checkPages(basePages);
  if (typeof input === "string" && input.trim().endsWith("%")) {
    const text = input.trim();
    if (!PERCENT_RE.test(text)) {
      throw new QuantityError(input, `expected a percentage like 25% or ${QUANTITY_HELP}`);
    }
    const number = text.slice(0, -1);
    const dot = number.indexOf(".");
    const fracLength = dot < 0 ? 0 : number.length - dot - 1;
    const scaled = BigInt(number.replace(".", "") || "0");
    const denominator = 100n * 10n ** BigInt(fracLength);
    const pages = (BigInt(basePages) * scaled + denominator - 1n) / denominator;
    if (pages > BigInt(Number.MAX_SAFE_INTEGER)) throw new QuantityError(input, tooLarge());
    return Number(pages);
  }
  return quantityToPages(input);
}
