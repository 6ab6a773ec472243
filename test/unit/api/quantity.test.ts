import fc from "fast-check";
import {
  PAGE_SIZE,
  QuantityError,
  canonicalQuantity,
  formatPagesHuman,
  pagesToQuantity,
  parseQuantity,
  percentOrQuantityToPages,
  quantityToPages,
} from "../../../src/api/quantity.js";

describe("parseQuantity", () => {
  it.each<[string | number, bigint]>([
    ["0", 0n],
    ["1", 1n],
    ["1000000", 1000000n],
    [1000000, 1000000n],
    ["1Ki", 1024n],
    ["512Mi", 536870912n],
    ["1.5Gi", 1610612736n],
    ["8Gi", 8589934592n],
    ["2Ti", 2199023255552n],
    ["1Pi", 2n ** 50n],
    ["1Ei", 2n ** 60n],
    ["64M", 64000000n],
    ["1k", 1000n],
    ["8G", 8000000000n],
    ["1T", 10n ** 12n],
    ["1P", 10n ** 15n],
    ["1E", 10n ** 18n],
    ["1e3", 1000n],
    ["1E3", 1000n],
    ["1.5e3", 1500n],
    ["2e-1", 1n],
    ["0.5", 1n],
    [0.5, 1n],
    ["1.", 1n],
    [".5Ki", 512n],
    ["0.1Ki", 103n],
    ["  256Mi ", 268435456n],
    ["007Mi", 7n * 2n ** 20n],
  ])("%p is %p bytes", (input, bytes) => {
    expect(parseQuantity(input)).toBe(bytes);
  });

  it.each<[unknown, string]>([
    ["", "is empty"],
    ["   ", "is empty"],
    ["-1", "must not be negative"],
    [-1, "must not be negative"],
    ["-1Gi", "must not be negative"],
    [Number.NaN, "must be a finite number"],
    [Number.POSITIVE_INFINITY, "must be a finite number"],
    ["NaN", "expected a non-negative number"],
    ["Infinity", "expected"],
    ["12 GB", "Ki, Mi, Gi"],
    ["1GB", "Ki, Mi, Gi"],
    ["1gi", "Ki, Mi, Gi"],
    ["Gi", "expected"],
    ["1.2.3", "expected"],
    ["0x10", "expected"],
    ["1m", "expected"],
    ["1e", "expected"],
    ["1Gi ", undefined as unknown as string],
    ["99999999999Ei", "too large"],
    ["1e100", "too large"],
    [2 ** 53 * 4096 * 2, "too large"],
    ["9".repeat(100), "too long"],
    [null, "expected"],
    [{}, "expected"],
  ])("rejects %p", (input, fragment) => {
    if (fragment === undefined) {
      expect(() => parseQuantity(input as string)).not.toThrow();
      return;
    }
    expect(() => parseQuantity(input as string)).toThrow(QuantityError);
    expect(() => parseQuantity(input as string)).toThrow(fragment);
  });

  it("accepts exactly MAX_SAFE_INTEGER pages and rejects one byte more", () => {
    const max = BigInt(Number.MAX_SAFE_INTEGER) * 4096n;
    expect(parseQuantity(max.toString())).toBe(max);
    expect(() => parseQuantity((max + 1n).toString())).toThrow("too large");
  });

  it("zero with a huge exponent is still zero", () => {
    expect(parseQuantity("0e999")).toBe(0n);
  });
});

describe("quantityToPages", () => {
  it("rounds up to whole 4 KiB pages", () => {
    expect(PAGE_SIZE).toBe(4096);
    expect(quantityToPages("0")).toBe(0);
    expect(quantityToPages("1")).toBe(1);
    expect(quantityToPages("4Ki")).toBe(1);
    expect(quantityToPages("5Ki")).toBe(2);
    expect(quantityToPages("1.5Gi")).toBe(393216);
    expect(quantityToPages(1000000)).toBe(245);
  });
});

describe("pagesToQuantity / canonicalQuantity", () => {
  it.each<[number, string]>([
    [0, "0"],
    [1, "4Ki"],
    [135168, "528Mi"],
    [325057, "1300228Ki"],
    [2097152, "8Gi"],
    [2 ** 28, "1Ti"],
  ])("%p pages is %p", (pages, text) => {
    expect(pagesToQuantity(pages)).toBe(text);
  });

  it("rejects fractional and negative page counts", () => {
    expect(() => pagesToQuantity(1.5)).toThrow(RangeError);
    expect(() => pagesToQuantity(-1)).toThrow(RangeError);
  });

  it.each<[string | number, string]>([
    ["1.5Gi", "1536Mi"],
    ["1024Mi", "1Gi"],
    ["1G", "976564Ki"],
    [1, "4Ki"],
    ["0", "0"],
  ])("canonical form of %p is %p", (input, text) => {
    expect(canonicalQuantity(input)).toBe(text);
  });

  it("round-trips every page count", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (pages) => {
        expect(quantityToPages(pagesToQuantity(pages))).toBe(pages);
      }),
    );
  });

  it("canonicalQuantity is idempotent and never loses bytes", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.constantFrom("", "Ki", "Mi", "Gi", "k", "M", "G"),
        (n, suffix) => {
          const once = canonicalQuantity(`${n}${suffix}`);
          expect(canonicalQuantity(once)).toBe(once);
          expect(parseQuantity(once) >= parseQuantity(`${n}${suffix}`)).toBe(true);
        },
      ),
    );
  });
});

describe("formatPagesHuman", () => {
  it.each<[number, string]>([
    [0, "0 B"],
    [1, "4.00 KiB"],
    [131072, "512.0 MiB"],
    [917504, "3.50 GiB"],
    [2097152, "8.00 GiB"],
    [2 ** 28, "1.00 TiB"],
  ])("%p pages reads %p", (pages, text) => {
    expect(formatPagesHuman(pages)).toBe(text);
  });
});

describe("percentOrQuantityToPages", () => {
  it("takes a percentage of the base, rounded up", () => {
    expect(percentOrQuantityToPages("25%", 1000)).toBe(250);
    expect(percentOrQuantityToPages("12.5%", 3)).toBe(1);
    expect(percentOrQuantityToPages("0%", 1000)).toBe(0);
    expect(percentOrQuantityToPages("150%", 100)).toBe(150);
  });

  it("takes a quantity as is", () => {
    expect(percentOrQuantityToPages("1Gi", 10)).toBe(262144);
    expect(percentOrQuantityToPages(8192, 10)).toBe(2);
  });

  it("rejects a malformed percentage", () => {
    expect(() => percentOrQuantityToPages("x%", 10)).toThrow(QuantityError);
    expect(() => percentOrQuantityToPages("-5%", 10)).toThrow(QuantityError);
  });
});
