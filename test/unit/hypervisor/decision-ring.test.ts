/**
 * Decision rings (src/hypervisor/decisions.ts): records kept in typed arrays read back as the
 * records that went in — same fields, same JSON, same order and the same per-type retention as
 * the list of objects they replace — and the ring keeps copies, not the caller's objects.
 */
import fc from "fast-check";
import { DECISION_TYPES } from "../../../src/hypervisor/decision-columns.js";
import {
  DECISION_RETENTION,
  DecisionRing,
  DecisionTable,
  HOST_DECISION_RETENTION,
  decisionAt,
  type DecisionRecord,
} from "../../../src/hypervisor/decisions.js";

const entitlement = (tick: number, over: Record<string, unknown> = {}): DecisionRecord =>
  ({
    type: "entitlement", tick, entitlement: 1000 + tick, consumed: 900, reclaim: 0, shares: 1280, sharesLabel: "normal", active: 300.5, touched: 800,
    demand: 820, reservation: 0, limit: null, memory: 4096, idleTax: 75, available: 1e6, contended: tick % 2 === 0, lambda: tick % 2 === 0 ? 0.125 : null,
    bound: "demand", hostState: "high", hostFree: 12345, ...over,
  }) as DecisionRecord;
const balloon = (tick: number): DecisionRecord => ({
  type: "balloon", tick, target: 10 * tick, balloon: 5, reason: "HostStateSoft", reclaim: 7, entitlement: 100, consumed: 110, balloonMax: 650,
  caps: { maxPercent: 650, osFloor: tick % 3 === 0 ? null : 700, reservation: 1024, maxBalloon: null }, binding: "maxPercent", guestOS: "rhel8",
  osMinimum: 256, slack: 0, maxPercent: 65, gave: { free: 1, untouched: 2, used: 3, stalled: tick % 2 }, hostState: "soft",
});
const swap = (tick: number, doneReason?: "paced" | null): DecisionRecord =>
  ({
    type: "swap", tick, swapTarget: tick, need: 40, reason: "HostStateHard", balloonDone: doneReason !== undefined,
    ...(doneReason !== undefined && { balloonDoneReason: doneReason }), compressed: 3, swapped: 4, hostState: "hard",
  }) as DecisionRecord;
const admission = (tick: number): DecisionRecord => ({ type: "admission", tick, admitted: true, reason: "Admitted", message: `fit at ${tick}` });
const hostState = (tick: number): DecisionRecord => ({
  type: "hostState", tick, from: "high", to: "soft", free: 10, minFree: 20, thresholds: { clear: 1, soft: 2, hard: 3, low: 4 }, hysteresisPercent: 5, holdSeconds: 60,
});

/** The list the rings replace: push, then drop the oldest of the type past its retention. */
function reference(records: readonly DecisionRecord[]): DecisionRecord[] {
  const ring: DecisionRecord[] = [];
  for (const record of records) {
    ring.push(record);
    const keep = record.type === "hostState" ? HOST_DECISION_RETENTION : DECISION_RETENTION;
    if (ring.filter((r) => r.type === record.type).length > keep) ring.splice(ring.findIndex((r) => r.type === record.type), 1);
  }
  return ring;
}

const MAKERS = [entitlement, balloon, (t: number) => swap(t), (t: number) => swap(t, null), (t: number) => swap(t, "paced"), admission, hostState];

describe("DecisionRing", () => {
  it("reads back any sequence of records as the bounded list did: same JSON, order and retention", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: MAKERS.length - 1 }), { maxLength: 120 }), (kinds) => {
        const records = kinds.map((k, tick) => MAKERS[k]!(tick));
        const ring = DecisionRing.from(records);
        const expected = reference(records);
        expect(JSON.stringify(ring)).toBe(JSON.stringify(expected));
        expect(ring.length).toBe(expected.length);
        expect(JSON.parse(JSON.stringify(DecisionRing.from(JSON.parse(JSON.stringify(ring)) as DecisionRecord[])))).toEqual(JSON.parse(JSON.stringify(expected)));
        for (const type of ["entitlement", "balloon", "swap", "admission", "hostState"] as const) {
          for (const at of [undefined, 0, 30, 60]) {
            expect(JSON.stringify(ring.latest(type, at))).toBe(JSON.stringify(decisionAt(expected, type, at)));
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it("copies entitlement, balloon and swap records: the caller may reuse its object", () => {
    const ring = new DecisionRing();
    const scratch = entitlement(1) as unknown as Record<string, unknown>;
    ring.record(scratch as unknown as DecisionRecord);
    scratch.tick = 2;
    scratch.entitlement = 5;
    ring.record(scratch as unknown as DecisionRecord);
    expect(ring.list().map((r) => [r.tick, (r as { entitlement: number }).entitlement])).toEqual([
      [1, 1001],
      [2, 5],
    ]);
  });

  it("keeps a record of an unexpected shape whole (extra fields are not lost)", () => {
    const odd = { ...entitlement(3), note: "from an older release" } as unknown as DecisionRecord;
    const ring = DecisionRing.from([entitlement(1), odd, entitlement(4, { demand: undefined })]);
    expect(ring.list()).toEqual([entitlement(1), odd, entitlement(4, { demand: undefined })]);
    expect(JSON.stringify(ring.list()[2])).not.toContain('"demand":');
  });

  it("refuses a record type it does not know", () => {
    expect(() => new DecisionRing().record({ type: "mystery", tick: 1 } as unknown as DecisionRecord)).toThrow(/unknown decision record type "mystery"/);
  });

  it("keeps many objects' rings apart in one shared table, through growth, slot reuse and detaching", () => {
    const table = new DecisionTable(2); // grows several times below
    const records = (k: number): DecisionRecord[] =>
      Array.from({ length: 12 + (k % 5) }, (_, t) => MAKERS[(k + t) % MAKERS.length]!(t * 10 + k)).map((r) =>
        // values a 32-bit column cannot hold: fractions, -0, past 2^31
        r.type === "entitlement" ? ({ ...r, reclaim: k % 3 === 0 ? -0 : 0.5 * k, hostFree: 2 ** 40 + k }) : r,
      );
    const rings = Array.from({ length: 40 }, (_, k) => DecisionRing.from(records(k), table));
    rings.forEach((ring, k) => expect(JSON.stringify(ring)).toBe(JSON.stringify(reference(records(k)))));
    expect(Object.is((rings[3]!.latest("entitlement") as { reclaim: number }).reclaim, -0)).toBe(true);
    // a detached ring keeps its records; its slot, reused, starts empty
    const kept = JSON.stringify(rings[5]);
    rings[5]!.detach();
    const reused = new DecisionRing(table);
    expect(reused.length).toBe(0);
    expect(reused.list()).toEqual([]);
    reused.record(balloon(99));
    expect(JSON.stringify(rings[5])).toBe(kept);
    rings[5]!.record(swap(500));
    expect(rings[5]!.latest("swap")?.tick).toBe(500);
    expect(reused.list().map((r) => r.tick)).toEqual([99]);
    rings.forEach((ring, k) => k !== 5 && expect(JSON.stringify(ring)).toBe(JSON.stringify(reference(records(k)))));
  });
  it("gives a type's columns only to the rings that keep a record of it, and takes a released ring's back", () => {
    const table = new DecisionTable(1000);
    const rings = Array.from({ length: 1000 }, () => new DecisionRing(table));
    rings.forEach((ring, k) => {
      ring.record(entitlement(k));
      if (k % 100 === 0) ring.record(balloon(k)); // 10 rings balloon
    });
    const rows = (type: DecisionRecord["type"]) => (table.types[DECISION_TYPES.indexOf(type)]!.seq.ints!.length) / DECISION_RETENTION;
    expect(rows("entitlement")).toBe(1000); // every ring, and no more than the table's rings
    expect(rows("balloon")).toBeLessThanOrEqual(64); // not 1000
    // a released ring's row is taken by the next ring that needs one; both read back what went in
    rings[100]!.detach();
    for (let t = 0; t < 20; t++) rings[7]!.record(balloon(t));
    expect(rows("balloon")).toBeLessThanOrEqual(64);
    expect(rings[7]!.list().filter((r) => r.type === "balloon").map((r) => r.tick)).toEqual([12, 13, 14, 15, 16, 17, 18, 19]);
    expect(rings[100]!.latest("balloon")?.tick).toBe(100);
    expect(rings[200]!.latest("balloon")?.tick).toBe(200);
    expect(rings[8]!.latest("balloon")).toBeUndefined();
  });
});
