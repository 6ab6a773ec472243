/** `top` piped: the esxtop-style host header and one row per VM, the counters of status in MB, sorting. */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fitToWidth } from "../../src/cli/output/top.js";
import { BIN, ROOT, memplane, requireBuild, tempDir } from "./cli-harness.js";

requireBuild();

const EXAMPLE = path.join(ROOT, "manifests/examples/no-tools");
const { state } = tempDir();

/** Objects as `get -o json` lists them. */
interface Listed {
  items: { metadata: { name: string }; status: { memory: Record<string, string>; state?: string; overcommit?: number } }[];
}

let vms: Listed["items"];
let host: Listed["items"][number];

beforeAll(async () => {
  const run = await memplane(["run", "-f", EXAMPLE, "--ticks", "200", "--state", state, "-q"]);
  expect(run.code).toBe(0);
  const [v, h] = await Promise.all([
    memplane(["get", "vms", "-o", "json", "--state", state]),
    memplane(["get", "hosts", "-o", "json", "--state", state]),
  ]);
  vms = (JSON.parse(v.stdout) as Listed).items;
  host = (JSON.parse(h.stdout) as Listed).items[0]!;
});

/** MiB in a status quantity (`1309584Ki`, `3Gi`, `0`). */
function mib(q: string): number {
  const units: Record<string, number> = { "": 1 / 2 ** 20, Ki: 1 / 1024, Mi: 1, Gi: 1024 };
  const [, n, unit] = q.match(/^(\d+)(Ki|Mi|Gi)?$/)!;
  return Number(n) * units[unit ?? ""]!;
}

/** The VM table of a screen: header cells and rows keyed by column. */
function vmTable(screen: string): Record<string, string>[] {
  const lines = screen.split("\n");
  const start = lines.findIndex((l) => l.startsWith("NAME "));
  const headers = lines[start]!.trim().split(/\s+/);
  const rows: Record<string, string>[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === "") break;
    const cells = line.trim().split(/\s+/);
    rows.push(Object.fromEntries(headers.map((h, i) => [h, cells[i]!])));
  }
  return rows;
}

describe("top", () => {
  test.concurrent("prints the host header and a row per VM with the status counters in MB", async () => {
    const r = await memplane(["top", "--state", state]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^memplane top — .* — tick 200 \(3m20s\) — sorted by MCTLSZ\n/);
    expect(r.stdout).toContain(`esx-01   state ${host.status.state}   overcommit ${host.status.overcommit!.toFixed(2)}x   VMs 3 running, 0 pending`);
    expect(r.stdout).toMatch(/^PMEM {2}\/MB:\s+8192 total:\s+0 vmk,\s+\d+ other,\s+\d+ free$/m);
    expect(r.stdout).toMatch(/^VMKMEM\/MB:\s+410 minfree,\s+262 soft,\s+131 hard,/m);
    const table = vmTable(r.stdout);
    expect(Object.keys(table[0]!)).toEqual([
      "NAME", "MEMSZ", "GRANT", "CNSM", "SZTGT", "ACTV", "MCTLSZ", "MCTLTGT", "MCTLMAX", "SWCUR", "SWTGT", "ZIP", "SHRD", "STALL%",
    ]);
    expect(table.map((row) => row.NAME).sort()).toEqual(["pressure", "with-tools", "without-tools"]);
    for (const vm of vms) {
      const row = table.find((t) => t.NAME === vm.metadata.name)!;
      expect(row.MEMSZ).toBe(mib(vm.status.memory.configured!).toFixed(2));
      expect(row.MCTLSZ).toBe(mib(vm.status.memory.balloon!).toFixed(2));
      expect(row.SWCUR).toBe(mib(vm.status.memory.swapped!).toFixed(2));
    }
    // The seed story: only the VM with tools is ballooned, so it comes first by default.
    expect(table[0]!.NAME).toBe("with-tools");
    expect(Number(table[0]!.MCTLSZ)).toBeGreaterThan(0);
    expect(table.find((t) => t.NAME === "without-tools")!.MCTLSZ).toBe("0.00");
  });

  test.concurrent("--sort NAME, --sort cnsm, --host", async () => {
    const [byName, byConsumed, oneHost] = await Promise.all([
      memplane(["top", "--sort", "NAME", "--state", state]),
      memplane(["top", "--sort", "cnsm", "--state", state]),
      memplane(["top", "--host", "esx-01", "--once", "--state", state]),
    ]);
    expect(vmTable(byName.stdout).map((r) => r.NAME)).toEqual(["pressure", "with-tools", "without-tools"]);
    const consumed = vmTable(byConsumed.stdout).map((r) => Number(r.CNSM));
    expect(consumed).toEqual([...consumed].sort((a, b) => b - a));
    expect(byConsumed.stdout).toContain("sorted by CNSM");
    expect(oneHost.code).toBe(0);
    expect(vmTable(oneHost.stdout)).toHaveLength(3);
  });

  test.concurrent("a bad --sort is a usage error; an unknown --host is NotFound", async () => {
    const [sort, missing] = await Promise.all([
      memplane(["top", "--sort", "RSS", "--state", state]),
      memplane(["top", "--host", "esx-99", "--state", state]),
    ]);
    expect(sort.code).toBe(2);
    expect(sort.stderr).toContain("expected one of NAME, MEMSZ");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('Error from server (NotFound): hosts "esx-99" not found\n');
  });
});

/** util-linux `script`, which runs a command on a pseudo-terminal; absent on some systems. */
const SCRIPT = ["/usr/bin/script", "/bin/script"].find((p) => fs.existsSync(p));

describe("top on a terminal", () => {
  (SCRIPT ? test : test.skip)("redraws in place, re-sorts on a key and quits on q", async () => {
    const command = [process.execPath, BIN, "top", "--interval", "0.3", "--state", state].map((a) => `'${a}'`).join(" ");
    const child = spawn(SCRIPT!, ["-qfec", command, "/dev/null"], { env: { ...process.env, NO_COLOR: "1" } });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    const waitFor = async (text: string): Promise<void> => {
      const deadline = Date.now() + 30_000;
      while (!out.includes(text) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(out).toContain(text);
    };
    await waitFor("sorted by MCTLSZ");
    expect(out.startsWith("\x1b[?1049h")).toBe(true); // the alternate screen, like top and esxtop
    child.stdin.write("n");
    await waitFor("sorted by NAME");
    child.stdin.write("q");
    expect(await exited).toBe(0);
    expect(out.match(/\x1b\[H\x1b\[2J/g)!.length).toBeGreaterThanOrEqual(2);
    expect(out).toContain("\x1b[?1049l"); // the screen is given back
  });
});

describe("fitToWidth (in process)", () => {
  test("cuts to printed width, keeping colour sequences and resetting after a cut", () => {
    expect(fitToWidth("abcdef", 4)).toBe("abcd");
    expect(fitToWidth("abc", 10)).toBe("abc");
    expect(fitToWidth("\x1b[33msoft\x1b[0m state", 6)).toBe("\x1b[33msoft\x1b[0m s\x1b[0m");
    expect(fitToWidth("\x1b[1mNAME   MEMSZ\x1b[0m", 4)).toBe("\x1b[1mNAME\x1b[0m");
  });
});

describe("top and describe --server", () => {
  test("read a running memplane serve like the state directory", async () => {
    const { state: own } = tempDir();
    fs.cpSync(state, own, { recursive: true });
    const server = spawn(process.execPath, [BIN, "serve", "--state", own, "--listen", "127.0.0.1:0"], { env: { ...process.env, NO_COLOR: "1" } });
    let out = "";
    server.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    const exited = new Promise<number | null>((resolve) => server.on("close", (code) => resolve(code)));
    try {
      const deadline = Date.now() + 30_000;
      while (!/serving on (http\S+)/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const url = /serving on (http\S+)/.exec(out)![1]!;
      const env = { MEMPLANE_TOKEN: fs.readFileSync(path.join(own, "token"), "utf8").trim() };
      const [top, describe] = await Promise.all([
        memplane(["top", "--server", url], { env }),
        memplane(["describe", "vm", "with-tools", "--server", url], { env }),
      ]);
      expect(top.code).toBe(0);
      expect(top.stdout).toMatch(new RegExp(`^memplane top — ${url} — tick \\d+ \\(\\S+\\) — sorted by MCTLSZ\\n`));
      expect(vmTable(top.stdout).map((r) => r.NAME).sort()).toEqual(["pressure", "with-tools", "without-tools"]);
      expect(describe.code).toBe(0);
      expect(describe.stdout).toMatch(/^Name:\s+with-tools$/m);
      expect(describe.stdout).toMatch(/^ {2}Balloon \[MCTLSZ\]:\s+\d/m);
      expect(describe.stdout).toMatch(/^Events:\n.*\n.*\n {2}Normal\s+Admitted\s/m);
    } finally {
      server.kill("SIGTERM");
      await exited;
    }
  });
});
