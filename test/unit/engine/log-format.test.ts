import { formatLogJson, formatLogObject, formatLogText, LOG_WRITE_CHUNK, toJsonLines, writeJsonLines } from "../../../src/engine/log-format.js";
import type { LogEntry } from "../../../src/engine/log-entry.js";
import fc from "fast-check";

const balloon: LogEntry = {
  message: "host esx-01 is soft: free 700Mi < 813Mi",
  reason: "HostStateSoft",
  to: "512Mi",
  from: "0",
  action: "BalloonTargetChanged",
  host: "esx-01",
  name: "web-1",
  namespace: "default",
  kind: "VirtualMachine",
  controller: "balloon",
  time: "42s",
  tick: 42,
};

const stateChanged: LogEntry = {
  tick: 90,
  time: "1m30s",
  controller: "host-state",
  kind: "Host",
  name: "esx-01",
  host: "esx-01",
  action: "StateChanged",
  from: "clear",
  to: "soft",
  message: "free 700Mi fell below the soft threshold 813Mi",
};

/** The reference writer: JSON.stringify of the §3 fields in order (what formatLogJson must equal). */
function referenceJson(entry: LogEntry): string {
  const fields = ["tick", "time", "controller", "kind", "namespace", "name", "host", "action", "from", "to", "reason", "message"] as const;
  const out: Record<string, unknown> = {};
  for (const f of fields) if (entry[f] !== undefined) out[f] = entry[f];
  return JSON.stringify(out);
}

describe("formatLogJson", () => {
  it("writes exactly what JSON.stringify writes, for any text (quotes, controls, lone surrogates, emoji) and odd values", () => {
    const text = fc.oneof(fc.string({ unit: "binary" }), fc.constantFrom('a"b', "back\\slash", "\u2028", "\ud800", "tab\tnew\nline", "😀"));
    const optional = fc.option(text, { nil: undefined });
    const entry = fc.record({
      tick: fc.oneof(fc.nat(), fc.constantFrom(-0, 1.5, Number.NaN, Number.POSITIVE_INFINITY)),
      time: text,
      controller: text,
      kind: text,
      namespace: optional,
      name: text,
      host: optional,
      action: text,
      from: fc.oneof(optional, fc.constant(42 as unknown as string)),
      to: optional,
      reason: optional,
      message: text,
    });
    fc.assert(fc.property(entry, (e) => expect(formatLogJson(e as LogEntry)).toBe(referenceJson(e as LogEntry))), { numRuns: 2000 });
  });

  it("prints docs/cli.md's log line format byte for byte, whatever the key order of the entry", () => {
    expect(formatLogJson(balloon)).toBe(
      '{"tick":42,"time":"42s","controller":"balloon","kind":"VirtualMachine","namespace":"default","name":"web-1","host":"esx-01","action":"BalloonTargetChanged","from":"0","to":"512Mi","reason":"HostStateSoft","message":"host esx-01 is soft: free 700Mi < 813Mi"}',
    );
  });

  it("omits absent optional fields and stays on one line", () => {
    const line = formatLogJson({ tick: 1, time: "1s", controller: "reservation", kind: "VirtualMachine", name: "a", action: "Admitted", message: "two\nlines", namespace: undefined });
    expect(line).toBe('{"tick":1,"time":"1s","controller":"reservation","kind":"VirtualMachine","name":"a","action":"Admitted","message":"two\\nlines"}');
    expect(JSON.parse(line).message).toBe("two\nlines");
  });
});

describe("formatLogText", () => {
  it("aligns columns: time, host, controller, object, action, from → to, message (reason)", () => {
    const lines = [formatLogText(balloon), formatLogText(stateChanged)];
    expect(lines[0]).toBe(
      "     42s esx-01           balloon      vm/default/web-1             BalloonTargetChanged  0 → 512Mi  host esx-01 is soft: free 700Mi < 813Mi (HostStateSoft)",
    );
    expect(lines[1]).toBe(
      "   1m30s esx-01           host-state   host/esx-01                  StateChanged          clear → soft  free 700Mi fell below the soft threshold 813Mi",
    );
    expect(lines[0]!.indexOf("balloon")).toBe(lines[1]!.indexOf("host-state"));
    expect(lines[0]!.indexOf("BalloonTargetChanged")).toBe(lines[1]!.indexOf("StateChanged"));
  });

  it("shows the host's state in brackets when known, keeping the columns aligned", () => {
    const line = formatLogText(balloon, { hostState: (h) => (h === "esx-01" ? "soft" : undefined) });
    expect(line).toContain("esx-01[soft]     balloon");
    expect(line.indexOf("balloon")).toBe(formatLogText(balloon).indexOf("balloon"));
  });

  it("uses ANSI colour only when asked, without moving the columns", () => {
    expect(formatLogText(balloon, { hostState: () => "soft" })).not.toMatch(/\u001b\[/);
    const coloured = formatLogText(stateChanged, { color: true, hostState: () => "soft" });
    expect(coloured).toMatch(/\u001b\[/);
    // eslint-disable-next-line no-control-regex
    expect(coloured.replace(/\u001b\[[0-9;]*m/g, "")).toBe(formatLogText(stateChanged, { hostState: () => "soft" }));
  });

  it("prints a dash for entries without a host and reads exact quantities as MiB/GiB", () => {
    const line = formatLogText({ tick: 3, time: "3s", controller: "custom", kind: "VirtualMachine", namespace: "prod", name: "db", action: "Noted", to: "1300228Ki", message: "m" });
    expect(line).toBe("      3s -                custom       vm/prod/db                   Noted                 ? → 1269.8Mi  m");
    // JSON keeps the exact quantity
    expect(formatLogJson({ tick: 3, time: "3s", controller: "custom", kind: "VirtualMachine", name: "db", action: "Noted", to: "1300228Ki", message: "m" })).toContain('"to":"1300228Ki"');
  });
});

describe("formatLogObject", () => {
  it("names objects the way kubectl users read them", () => {
    expect(formatLogObject({ kind: "VirtualMachine", namespace: "default", name: "web-1" })).toBe("vm/default/web-1");
    expect(formatLogObject({ kind: "Host", name: "esx-01" })).toBe("host/esx-01");
    expect(formatLogObject({ kind: "GuestOSProfile", name: "rhel7" })).toBe("os/rhel7");
  });
});

describe("JSON lines in batches", () => {
  it("writes a tick's entries in chunks whose concatenation is one formatLogJson line per entry", () => {
    const entries = Array.from({ length: LOG_WRITE_CHUNK * 2 + 3 }, (_, i) => ({ ...balloon, tick: i, message: i % 7 === 0 ? `Σ demand ${i}` : `line ${i}` }));
    const chunks: [string, number][] = [];
    writeJsonLines(entries, (lines, count) => chunks.push([lines, count]));
    expect(chunks.map(([, count]) => count)).toEqual([LOG_WRITE_CHUNK, LOG_WRITE_CHUNK, 3]);
    expect(chunks.map(([lines]) => lines).join("")).toBe(entries.map((e) => formatLogJson(e) + "\n").join(""));
    expect(toJsonLines(entries, 5, 7)).toBe(formatLogJson(entries[5]!) + "\n" + formatLogJson(entries[6]!) + "\n");
    writeJsonLines([], () => {
      throw new Error("no write for no entries");
    });
  });
});
