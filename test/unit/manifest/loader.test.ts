import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatManifestError, loadManifests, STDIN_NAME } from "../../../src/manifest/index.js";
import type { VirtualMachine } from "../../../src/api/types.js";

const valid = join(process.cwd(), "test/fixtures/valid");
const names = (objects: { kind: string; metadata: { name: string } }[]) => objects.map((o) => `${o.kind}/${o.metadata.name}`);

const HOST = "apiVersion: memplane.io/v1alpha1\nkind: Host\nmetadata: {name: esx-01}\nspec: {capacity: 64Gi}\n";

describe("loadManifests", () => {
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), "memplane-load-"));
  });
  afterEach(() => {
    rmSync(tmp, { recursive: true, force: true });
  });

  it("reads a directory recursively, in sorted order, YAML and JSON only, skipping empty documents", async () => {
    const result = await loadManifests([join(valid, "cluster")]);
    expect(result.errors.map(formatManifestError)).toEqual([]);
    expect(names(result.objects)).toEqual([
      "Host/esx-01",
      "VirtualMachine/db-1",
      "VirtualMachine/web-1",
      "VirtualMachine/web-2",
      "GuestOSProfile/windows-11",
    ]);
    expect(result.sources.map((s) => [s.file.slice(valid.length + 1), s.documents, s.objects])).toEqual([
      ["cluster/host.yaml", 1, 1],
      ["cluster/vms/db.json", 1, 1],
      ["cluster/vms/web.yaml", 3, 3],
    ]);
    const db = result.objects[1] as VirtualMachine;
    expect(db.spec.memory).toBe("16Gi");
    expect(db.spec.tools).toEqual({ installed: false, balloonDriver: "healthy" });
    const web2 = result.objects[3] as VirtualMachine;
    expect(web2.metadata.namespace).toBe("prod");
    expect(web2.spec.powerState).toBe("Off");
  });

  it("reads kind: List items", async () => {
    const result = await loadManifests([join(valid, "list.yaml")]);
    expect(result.errors).toEqual([]);
    expect(names(result.objects)).toEqual(["Host/esx-02", "VirtualMachine/batch-1"]);
  });

  it("accepts a byte order mark and CRLF line ends", async () => {
    const result = await loadManifests([join(valid, "bom-crlf.yaml")]);
    expect(result.errors).toEqual([]);
    expect(names(result.objects)).toEqual(["Host/esx-03"]);
  });

  it("reads '-' from the stdin option", async () => {
    const result = await loadManifests(["-"], { stdin: () => HOST });
    expect(result.errors).toEqual([]);
    expect(names(result.objects)).toEqual(["Host/esx-01"]);
    expect(result.sources[0]!.file).toBe(STDIN_NAME);
    const bad = await loadManifests(["-"], { stdin: async () => HOST.replace("64Gi", "64 GB") });
    expect(bad.errors.map(formatManifestError)).toEqual([
      expect.stringMatching(/^<stdin>:4:18 spec\.capacity: must be a memory quantity/),
    ]);
  });

  it("reports a missing file and carries on with the others", async () => {
    const missing = join(tmp, "nope.yaml");
    const result = await loadManifests([missing, join(valid, "list.yaml")]);
    expect(result.errors).toEqual([{ file: missing, line: 0, column: 0, path: "", message: "no such file or directory" }]);
    expect(formatManifestError(result.errors[0]!)).toBe(`${missing} no such file or directory`);
    expect(result.objects).toHaveLength(2);
  });

  it("reports errors of every file and every document together", async () => {
    writeFileSync(join(tmp, "a.yaml"), HOST.replace("64Gi", "-1") + "---\n" + HOST.replace("esx-01", "ESX"));
    writeFileSync(join(tmp, "b.yaml"), "apiVersion: memplane.io/v1alpha1\nkind: Hots\n");
    const result = await loadManifests([tmp]);
    expect(result.errors.map((e) => `${e.file.slice(tmp.length + 1)}:${e.line} ${e.path}`)).toEqual([
      "a.yaml:4 spec.capacity",
      "a.yaml:8 metadata.name",
      "b.yaml:2 kind",
    ]);
  });

  it("reports duplicate names across files", async () => {
    writeFileSync(join(tmp, "a.yaml"), HOST);
    writeFileSync(join(tmp, "b.yaml"), HOST);
    const result = await loadManifests([tmp]);
    expect(result.errors.map(formatManifestError)).toEqual([
      `${join(tmp, "b.yaml")}:3:18 metadata.name: duplicate Host "esx-01" in one apply (first defined at ${join(tmp, "a.yaml")}:3:18)`,
    ]);
  });

  it("does not hang on a symlink loop", async () => {
    mkdirSync(join(tmp, "d"));
    writeFileSync(join(tmp, "d", "host.yaml"), HOST);
    symlinkSync(tmp, join(tmp, "d", "loop"));
    const result = await loadManifests([tmp]);
    expect(result.errors).toEqual([]);
    expect(names(result.objects)).toEqual(["Host/esx-01"]);
  });

  it("rejects a file that is not UTF-8, saying where", async () => {
    const file = join(tmp, "latin1.yaml");
    writeFileSync(file, Buffer.concat([Buffer.from("apiVersion: memplane.io/v1alpha1\nkind: Host\nmetadata: {name: caf"), Buffer.from([0xe9]), Buffer.from("}\n")]));
    const result = await loadManifests([file]);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]!.message).toMatch(/^file is not valid UTF-8 \(byte 0xe9 at line 3, byte 21\)/);
  });

  it("rejects a file over the size limit, naming the limit", async () => {
    const file = join(tmp, "big.yaml");
    writeFileSync(file, HOST + "#".repeat(2048));
    const result = await loadManifests([file], { maxFileBytes: 1024 });
    expect(result.errors[0]!.message).toMatch(/^file is larger than the 1024 bytes limit/);
    const big = await loadManifests([file], { maxFileBytes: 1024 * 1024 });
    expect(big.errors).toEqual([]);
  });

  it("reads an explicitly named file whatever its extension", async () => {
    const file = join(tmp, "manifest.txt");
    writeFileSync(file, HOST);
    expect(names((await loadManifests([file])).objects)).toEqual(["Host/esx-01"]);
  });
});

describe("error order", () => {
  it("keeps files in the order given and sorts each file by position", async () => {
    const dir = mkdtempSync(join(tmpdir(), "memplane-order-"));
    try {
      writeFileSync(join(dir, "z.yaml"), "kind: Nope\n");
      writeFileSync(join(dir, "a.yaml"), "apiVersion: memplane.io/v1alpha1\nkind: Host\nmetadata: {name: A}\nspec: {capacity: x}\n");
      const result = await loadManifests([join(dir, "z.yaml"), join(dir, "a.yaml")]);
      expect(result.errors.map((e) => `${e.file.slice(dir.length + 1)}:${e.line}`)).toEqual(["z.yaml:1", "z.yaml:1", "a.yaml:3", "a.yaml:4"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
