/** `describe` (and `get events`) on a saved no-tools simulation: esxtop names, conditions, events, NotFound. */
import * as path from "node:path";
import { ROOT, memplane, requireBuild, tempDir, STACK_LINE } from "./cli-harness.js";

requireBuild();

const EXAMPLE = path.join(ROOT, "manifests/examples/no-tools");
const { state } = tempDir();

/** Status of a VM as `get -o json` reports it. */
interface VmJson {
  status: { memory: Record<string, string>; conditions: { type: string; status: string; reason: string }[] };
}

let withTools: VmJson;

beforeAll(async () => {
  const run = await memplane(["run", "-f", EXAMPLE, "--ticks", "200", "--state", state, "-q"]);
  expect(run.code).toBe(0);
  const get = await memplane(["get", "vm", "with-tools", "-o", "json", "--state", state]);
  expect(get.code).toBe(0);
  withTools = JSON.parse(get.stdout) as VmJson;
});

/** The value printed after `label:` on its own line of a describe page. */
function field(page: string, label: string): string {
  const line = page.split("\n").find((l) => l.trimStart().startsWith(`${label}:`));
  if (line === undefined) throw new Error(`no "${label}:" line in:\n${page}`);
  return line.slice(line.indexOf(`${label}:`) + label.length + 1).trim();
}

/** The lines of a describe table (after its dashed rule) up to the next top-level line. */
function tableRows(page: string, title: string): string[] {
  const lines = page.split("\n");
  const start = lines.indexOf(`${title}:`);
  if (start < 0) throw new Error(`no ${title}: block in:\n${page}`);
  const rows: string[] = [];
  for (const line of lines.slice(start + 3)) {
    if (!line.startsWith("  ")) break;
    rows.push(line.trim());
  }
  return rows;
}

describe("describe", () => {
  test.concurrent("a VM: header, spec summary, esxtop-named memory, conditions and events newest last", async () => {
    const r = await memplane(["describe", "vm", "with-tools", "--state", state]);
    expect(r.code).toBe(0);
    const page = r.stdout;
    expect(field(page, "Name")).toBe("with-tools");
    expect(field(page, "Namespace")).toBe("default");
    expect(field(page, "Host")).toMatch(/^esx-01 \((high|clear|soft|hard|low)\)$/);
    expect(field(page, "Created")).toBe("2026-01-01T00:00:00Z (3m20s ago)");
    expect(field(page, "Guest OS")).toBe("other (minimum 256.0 MiB)");
    expect(field(page, "Tools")).toBe("installed (balloon driver healthy)");
    expect(field(page, "Memory")).toBe("3.00 GiB");
    // Every esxtop counter, in brackets, aligned in one column.
    const memoryLines = page.split("\n").filter((l) => /^ {2}\S.*\[[A-Z]+\]:/.test(l));
    expect(memoryLines.map((l) => l.match(/\[([A-Z]+)\]/)![1])).toEqual(
      expect.arrayContaining(["MEMSZ", "GRANT", "CNSM", "SZTGT", "ACTV", "OVHD", "MCTLSZ", "MCTLTGT", "MCTLMAX", "SWCUR", "SWTGT", "ZIP", "SHRD"]),
    );
    expect(new Set(memoryLines.map((l) => l.search(/\d/))).size).toBe(1);
    // The balloon shown is the one in status (1 KiB-exact quantity → human MiB/GiB).
    const balloonKi = Number(withTools.status.memory.balloon!.replace("Ki", ""));
    expect(balloonKi).toBeGreaterThan(0);
    const shown = field(page, "Balloon [MCTLSZ]");
    const [value, unit] = shown.split(" ");
    const shownKi = Number(value) * (unit === "GiB" ? 1024 * 1024 : 1024);
    expect(Math.abs(shownKi - balloonKi) / balloonKi).toBeLessThan(0.01); // 3 significant digits
    expect(field(page, "Memory Stall")).toMatch(/^\d+\.\d\d%$/);

    const conditions = tableRows(page, "Conditions");
    expect(conditions).toHaveLength(withTools.status.conditions.length);
    const ballooning = withTools.status.conditions.find((c) => c.type === "Ballooning")!;
    expect(conditions.find((l) => l.startsWith("Ballooning "))).toMatch(new RegExp(`^Ballooning\\s+${ballooning.status}\\s+${ballooning.reason}\\s+\\S+ \\(\\S+ ago\\)`));

    const events = tableRows(page, "Events");
    expect(events[0]).toMatch(/^Normal\s+Admitted\s+3m19s\s+reservation\s+/);
    expect(events.some((e) => /^Warning\s+GuestSwapping/.test(e))).toBe(true);
    expect(r.stderr).toBe("");
  });

  test.concurrent("a VM without tools, named KIND/NAME", async () => {
    const r = await memplane(["describe", "vm/without-tools", "--state", state]);
    expect(r.code).toBe(0);
    expect(field(r.stdout, "Tools")).toBe("not installed (no balloon driver)");
    expect(field(r.stdout, "Balloon [MCTLSZ]")).toBe("0 B");
    expect(tableRows(r.stdout, "Events").some((e) => /^Normal\s+CompressionStarted/.test(e))).toBe(true);
  });

  test.concurrent("a host: thresholds, memory status, its VMs and its events", async () => {
    const r = await memplane(["describe", "hosts", "esx-01", "--state", state]);
    expect(r.code).toBe(0);
    const page = r.stdout;
    expect(field(page, "Capacity")).toBe("8.00 GiB");
    expect(field(page, "Min Free")).toBe("auto (409.6 MiB)");
    expect(field(page, "soft")).toBe("64% (262.1 MiB)");
    expect(field(page, "Capacity [PMEM]")).toBe("8.00 GiB");
    expect(field(page, "VMs")).toBe("3 running, 0 pending");
    expect(field(page, "State")).toMatch(/^(high|clear|soft|hard|low)$/);
    expect(tableRows(page, "Conditions").map((l) => l.split(/\s+/)[0])).toEqual(["MemoryPressure", "SwapSpaceLow"]);
    expect(tableRows(page, "Virtual Machines").map((l) => l.split(/\s+/).slice(0, 3).join(" "))).toEqual([
      "default pressure Running",
      "default with-tools Running",
      "default without-tools Running",
    ]);
    expect(tableRows(page, "Events").some((e) => /^Normal\s+StateChanged\s+.*host-state/.test(e))).toBe(true);
  });

  test.concurrent("a built-in guest OS profile", async () => {
    const r = await memplane(["describe", "os", "rhel7", "--state", state]);
    expect(r.code).toBe(0);
    expect(field(r.stdout, "Minimum Memory")).toBe("512.0 MiB");
    expect(field(r.stdout, "Created")).toBe("built-in");
  });

  test.concurrent("NotFound (exit 1) and unknown kinds (exit 2) with kubectl's wording, no stack", async () => {
    const [missing, kind] = await Promise.all([
      memplane(["describe", "vm", "web-9", "--state", state]),
      memplane(["describe", "pods", "x", "--state", state]),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('Error from server (NotFound): virtualmachines "web-9" not found in namespace "default"\n');
    expect(kind.code).toBe(2);
    expect(kind.stderr).toMatch(/^error: the server doesn't have a resource type "pods"/);
    expect(missing.stderr + kind.stderr).not.toMatch(STACK_LINE);
  });

  test.concurrent("get events prints kubectl's columns, oldest first", async () => {
    const r = await memplane(["get", "events", "--state", state]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/);
    expect(lines[1]).toMatch(/^3m19s\s+Normal\s+Admitted\s+virtualmachine\//);
    expect(lines.some((l) => /host\/esx-01\s/.test(l))).toBe(true);
  });

  test.concurrent("get events --field-selector keeps one object's events; a malformed one is a usage error", async () => {
    const [one, bad] = await Promise.all([
      memplane(["get", "events", "-A", "--field-selector", "involvedObject.name=with-tools,type!=Normal", "--state", state]),
      memplane(["get", "events", "--field-selector", "type", "--state", state]),
    ]);
    expect(one.code).toBe(0);
    const rows = one.stdout.trimEnd().split("\n").slice(1);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((l) => /^default\s+\S+\s+Warning\s+\S+\s+virtualmachine\/with-tools\s/.test(l))).toBe(true);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: invalid field selector "type"/);
  });
});
