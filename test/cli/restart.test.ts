/**
 * `memplane restart vm NAME...` through the built binary, on a saved state and through
 * `--server`: it stamps memplane.io/restartedAt and the next tick restarts the guest.
 */
import { createEngine } from "../../src/composition/create-engine.js";
import { startServer } from "../../src/server/index.js";
import { RESTART_ANNOTATION } from "../../src/api/restart.js";
import { exampleText } from "../integration/scenario-harness.js";
import { memplane, requireBuild, tempDir } from "./cli-harness.js";

requireBuild();

const EXAMPLE = "manifests/examples/hyperv-dynamic-memory";

test("on a saved state: restarted, Restarted logged at the next step; missing names and other kinds are errors", async () => {
  const { state } = tempDir();
  expect((await memplane(["apply", "-f", EXAMPLE, "--state", state])).code).toBe(0);
  expect((await memplane(["step", "--duration", "5m", "-q", "--state", state])).code).toBe(0);
  const r = await memplane(["restart", "vm", "web", "nope", "--state", state]);
  expect(r.stdout).toBe("virtualmachine/web restarted\n");
  expect(r.stderr).toContain('Error from server (NotFound): virtualmachines "nope" not found in namespace "default"');
  expect(r.code).toBe(1);
  const yaml = await memplane(["get", "vm", "web", "-o", "yaml", "--state", state]);
  expect(yaml.stdout).toContain(`${RESTART_ANNOTATION}: 5m0s`);
  const step = await memplane(["step", "--ticks", "2", "--log-format", "json", "--state", state]);
  const restarted = step.stdout.split("\n").filter((l) => l.includes('"Restarted"')).map((l) => JSON.parse(l));
  expect(restarted).toEqual([expect.objectContaining({ name: "web", reason: "GuestRestart" })]);
  const host = await memplane(["restart", "host", "hv-01", "--state", state]);
  expect(host.code).toBe(2);
  expect(host.stderr).toContain("restart works on virtual machines only");
});

test("through --server: the annotation is written on the server, and the guest restarts there", async () => {
  const engine = createEngine({ seed: 1 });
  engine.apply(exampleText("hyperv-dynamic-memory"));
  engine.step(60);
  const token = "restart-test-token-0123456789";
  const server = await startServer({ engine, token, speed: 0, persist: () => undefined });
  try {
    const r = await memplane(["restart", "vm", "vdi", "--server", server.url], { env: { MEMPLANE_TOKEN: token } });
    expect(r).toMatchObject({ code: 0, stdout: "virtualmachine/vdi restarted\n" });
    expect(engine.store.get("VirtualMachine", "vdi", "default")!.metadata.annotations?.[RESTART_ANNOTATION]).toBe("1m0s");
    const logs: string[] = [];
    const sub = engine.logs$.subscribe((l) => logs.push(`${l.name} ${l.action}`));
    engine.step(1);
    sub.unsubscribe();
    expect(logs).toContain("vdi Restarted");
  } finally {
    await server.close();
  }
});
