import { existsSync, readFileSync } from "node:fs";
import { Ajv } from "ajv";
import {
  BUILTIN_GUEST_OS_PROFILES,
  BUILTIN_LABEL,
  CONFIDENCE_ANNOTATION,
  SOURCE_ANNOTATION,
  builtinProfile,
} from "../../../src/api/builtin-profiles.js";
import { API_VERSION } from "../../../src/api/types.js";

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const CANONICAL_BINARY_QUANTITY = /^(0|[1-9][0-9]*)(Ki|Mi|Gi|Ti)?$/;
const SUFFIX_BYTES: Record<string, number> = { "": 1, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

/** Bytes of a canonical binary quantity, by this test's own reading of docs/manifests.md. */
function bytesOf(quantity: string): number {
  const match = CANONICAL_BINARY_QUANTITY.exec(quantity);
  if (!match) throw new Error(`not a canonical binary quantity: ${quantity}`);
  return Number(match[1]) * SUFFIX_BYTES[match[2] ?? ""]!;
}

describe("BUILTIN_GUEST_OS_PROFILES", () => {
  it("has unique names that are DNS-1123 labels", () => {
    const names = BUILTIN_GUEST_OS_PROFILES.map((p) => p.metadata.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(DNS_1123_LABEL);
    }
  });

  it.each(BUILTIN_GUEST_OS_PROFILES.map((p) => [p.metadata.name, p] as const))(
    "%s is a well-formed, labelled, sourced GuestOSProfile",
    (_name, profile) => {
      expect(profile.apiVersion).toBe(API_VERSION);
      expect(profile.kind).toBe("GuestOSProfile");
      expect(profile.metadata.labels).toEqual({ [BUILTIN_LABEL]: "true" });
      expect(profile.metadata.annotations?.[SOURCE_ANNOTATION]?.trim().length ?? 0).toBeGreaterThan(10);
      expect(["vendor", "secondary", "best-known", "seed", "default"]).toContain(
        profile.metadata.annotations?.[CONFIDENCE_ANNOTATION],
      );
      expect(typeof profile.spec.touchAllOnBoot).toBe("boolean");
      expect(profile.spec.description?.length ?? 0).toBeGreaterThan(0);
      // Canonical form: the largest binary suffix that divides the value (docs/manifests.md).
      expect(profile.spec.minimumMemory).toMatch(CANONICAL_BINARY_QUANTITY);
      const bytes = bytesOf(profile.spec.minimumMemory);
      expect(bytes).toBeGreaterThanOrEqual(128 * 2 ** 20);
      expect(bytes).toBeLessThanOrEqual(16 * 2 ** 30);
      expect(bytes % 4096).toBe(0);
      const [, digits, suffix] = CANONICAL_BINARY_QUANTITY.exec(profile.spec.minimumMemory)!;
      expect(Number(digits) % 1024 === 0 && suffix !== "Ti").toBe(false);
    },
  );

  it("validates against schemas/guestosprofile.schema.json", () => {
    const load = (file: string): object =>
      JSON.parse(readFileSync(new URL(`../../../schemas/${file}`, import.meta.url), "utf8")) as object;
    const ajv = new Ajv({ allErrors: true, strict: false });
    ajv.addSchema(load("common.schema.json"));
    const validate = ajv.compile(load("guestosprofile.schema.json"));
    for (const profile of BUILTIN_GUEST_OS_PROFILES) {
      expect({ name: profile.metadata.name, valid: validate(profile), errors: validate.errors ?? null }).toEqual({
        name: profile.metadata.name,
        valid: true,
        errors: null,
      });
    }
  });

  it("keeps the seed's RHEL 7 figure and the 256Mi fallback", () => {
    expect(builtinProfile("rhel7")?.spec.minimumMemory).toBe("512Mi");
    expect(bytesOf(builtinProfile("rhel7")!.spec.minimumMemory)).toBe(512 * 2 ** 20);
    expect(builtinProfile("other")?.spec.minimumMemory).toBe("256Mi");
    expect(builtinProfile("other")?.spec.touchAllOnBoot).toBe(false);
  });

  it("covers the vendors the brief asks for", () => {
    for (const name of [
      "rhel8",
      "rhel9",
      "rhel10",
      "ubuntu-server-22-04",
      "ubuntu-server-24-04",
      "windows-server-2019-core",
      "windows-server-2019-desktop",
      "windows-server-2022-core",
      "windows-server-2022-desktop",
      "windows-server-2025-core",
      "windows-server-2025-desktop",
      "photon4",
      "photon5",
    ]) {
      expect(builtinProfile(name)).toBeDefined();
    }
  });

  it("marks exactly the Windows guests as touching all memory at boot", () => {
    for (const profile of BUILTIN_GUEST_OS_PROFILES) {
      expect(profile.spec.touchAllOnBoot).toBe(profile.metadata.name.startsWith("windows-"));
    }
  });

  it("uses Microsoft's published Windows Server minimums", () => {
    for (const year of [2019, 2022, 2025]) {
      expect(builtinProfile(`windows-server-${year}-core`)?.spec.minimumMemory).toBe("512Mi");
      expect(builtinProfile(`windows-server-${year}-desktop`)?.spec.minimumMemory).toBe("2Gi");
    }
  });

  it("answers undefined for an unknown name and cannot be mutated", () => {
    expect(builtinProfile("no-such-os")).toBeUndefined();
    expect(builtinProfile("")).toBeUndefined();
    const rhel7 = builtinProfile("rhel7")!;
    expect(() => {
      (rhel7.spec as { minimumMemory: string }).minimumMemory = "1Gi";
    }).toThrow(TypeError);
    expect(builtinProfile("rhel7")?.spec.minimumMemory).toBe("512Mi");
  });

  it("agrees with quantityToPages from src/api/quantity.ts when that module exists", async () => {
    const modulePath = new URL("../../../src/api/quantity.ts", import.meta.url);
    if (!existsSync(modulePath)) return; // helper A's module not written yet; the regex checks above still apply
    const specifier = "../../../src/api/quantity.js";
    const quantity = (await import(specifier)) as {
      quantityToPages?: (q: string) => number;
      canonicalQuantity?: (q: string) => string;
    };
    expect(typeof quantity.quantityToPages).toBe("function");
    for (const profile of BUILTIN_GUEST_OS_PROFILES) {
      const minimum = profile.spec.minimumMemory;
      expect(quantity.quantityToPages!(minimum)).toBe(bytesOf(minimum) / 4096);
      if (quantity.canonicalQuantity) expect(quantity.canonicalQuantity(minimum)).toBe(minimum);
    }
  });
});

/** VMware's sample overhead table, checked against memory-model §9's default formula. */
describe("test/fixtures/vmware-overhead.json", () => {
  interface Table {
    source: string;
    vcpus: number[];
    rows: { memoryMB: number; overheadMB: (number | null)[] }[];
  }
  const fixture = JSON.parse(
    readFileSync(new URL("../../fixtures/vmware-overhead.json", import.meta.url), "utf8"),
  ) as Table & { legacy: Table };

  /** memory-model §9: 18.3 MiB + 0.74 % of configured memory + 4 MiB per vCPU beyond the first. */
  const modelOverheadMiB = (memoryMiB: number, vcpus: number): number => 18.3 + 0.0074 * memoryMiB + 4 * (vcpus - 1);

  it("names its sources and has one value per vCPU column", () => {
    for (const table of [fixture, fixture.legacy]) {
      expect(table.source).toMatch(/Overhead Memory on Virtual Machines/);
      for (const row of table.rows) expect(row.overheadMB).toHaveLength(table.vcpus.length);
    }
    expect(fixture.rows.map((r) => r.memoryMB)).toEqual([256, 1024, 4096, 16384]);
  });

  it("is matched by the model's formula within 1.1 MiB for every current-table cell", () => {
    for (const row of fixture.rows) {
      row.overheadMB.forEach((published, i) => {
        expect(published).not.toBeNull();
        expect(Math.abs(modelOverheadMiB(row.memoryMB, fixture.vcpus[i]!) - published!)).toBeLessThanOrEqual(1.1);
      });
    }
  });

  it("grows with memory and vCPUs in the published data", () => {
    for (const table of [fixture, fixture.legacy]) {
      for (let col = 0; col < table.vcpus.length; col++) {
        const column = table.rows.map((r) => r.overheadMB[col]).filter((v): v is number => v !== null);
        for (let i = 1; i < column.length; i++) expect(column[i]!).toBeGreaterThan(column[i - 1]!);
      }
      for (const row of table.rows) {
        const known = row.overheadMB.filter((v): v is number => v !== null);
        for (let i = 1; i < known.length; i++) expect(known[i]!).toBeGreaterThan(known[i - 1]!);
      }
    }
  });
});
