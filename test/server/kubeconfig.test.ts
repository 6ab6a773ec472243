/**
 * `memplane kubeconfig` and the HTTPS listener without kubectl: the kubeconfig's certificate
 * verifies the server over TLS, discovery and OpenAPI answer (JSON only), the token is still
 * required there, and no running server (or a stale serve.json) is a one-line error.
 */
import * as fs from "node:fs";
import * as https from "node:https";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { exitOf, memplane, requireBuild, startServe, tempDir } from "../cli/cli-harness.js";

beforeAll(requireBuild);

/** One GET over HTTPS trusting `ca`. */
function get(url: string, ca: string, headers: Record<string, string>): Promise<{ code: number; text: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca, headers }, (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (d: string) => (text += d));
        res.on("end", () => resolve({ code: res.statusCode ?? 0, text }));
      })
      .on("error", reject);
  });
}

test("kubeconfig: TLS verified by its certificate, discovery and OpenAPI over HTTPS, the token still required", async () => {
  const { state } = tempDir();
  const none = await memplane(["kubeconfig", "--state", state]);
  expect(none.code).toBe(1);
  expect(none.stderr).toBe(`error: no memplane server is running on ${state} (there is no ${path.join(state, "serve.json")}); start one with \`memplane serve --state ${state}\`\n`);

  const serve = await startServe(["--state", state, "--listen", "127.0.0.1:0", "--speed", "0"]);
  try {
    const printed = await memplane(["kubeconfig", "--state", state]);
    expect(printed.code).toBe(0);
    const config = yaml.load(printed.stdout) as any;
    const server: string = config.clusters[0].cluster.server;
    expect(server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = Buffer.from(config.clusters[0].cluster["certificate-authority-data"], "base64").toString("utf8");
    const auth = { Authorization: `Bearer ${config.users[0].user.token}` };
    const version = await get(`${server}/version`, ca, auth);
    expect(version.code).toBe(200);
    expect(JSON.parse(version.text)).toMatchObject({ gitVersion: expect.stringMatching(/^v\d+\.\d+\.\d+/) });
    expect(JSON.parse((await get(`${server}/apis`, ca, auth)).text)).toMatchObject({ kind: "APIGroupList", groups: [{ name: "memplane.io", preferredVersion: { groupVersion: "memplane.io/v1alpha1" } }] });
    expect(JSON.parse((await get(`${server}/api`, ca, auth)).text)).toMatchObject({ kind: "APIVersions", versions: ["v1"] });
    const core = JSON.parse((await get(`${server}/api/v1`, ca, auth)).text);
    expect(core.resources.map((r: any) => r.name)).toEqual(["events"]);
    const v3 = JSON.parse((await get(`${server}/openapi/v3`, ca, auth)).text);
    const groupUrl: string = v3.paths["apis/memplane.io/v1alpha1"].serverRelativeURL;
    const doc = JSON.parse((await get(server + groupUrl, ca, auth)).text);
    expect(doc.components.schemas["io.memplane.v1alpha1.VirtualMachine"]["x-kubernetes-group-version-kind"]).toEqual([{ group: "memplane.io", version: "v1alpha1", kind: "VirtualMachine" }]);
    const v2 = JSON.parse((await get(`${server}/openapi/v2`, ca, auth)).text);
    expect(v2.definitions["io.memplane.v1alpha1.Host"].properties.spec.properties.capacity.description).toBe("Physical memory of the host.");
    expect((await get(`${server}/openapi/v2`, ca, { ...auth, Accept: "application/com.github.proto-openapi.spec.v2@v1.0+protobuf" })).code).toBe(406);
    expect((await get(`${server}/version`, ca, {})).code).toBe(401);
    expect((await get(`${server}/healthz`, ca, {})).code).toBe(200);

    fs.writeFileSync(path.join(state, "token"), "someone-elses-token-0123456789", { mode: 0o600 });
    const refused = await memplane(["kubeconfig", "--state", state]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: the memplane server at https:\/\/127\.0\.0\.1:\d+ does not accept the token \(HTTP 401\)/);
  } finally {
    serve.child.kill("SIGTERM");
  }
  expect(await exitOf(serve.child, 20_000)).toBe(0);
  expect(fs.existsSync(path.join(state, "serve.json"))).toBe(false);
});
