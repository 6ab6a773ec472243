/**
 * `memplane kubeconfig [--state DIR] [--write [FILE]] [--token-file F]` — a kubeconfig for the
 * `memplane serve` running on DIR, so kubectl, k9s and client libraries work against it:
 * `KUBECONFIG=$(memplane kubeconfig --write) kubectl get vms`.
 *
 * The server's HTTPS URL and its self-signed certificate come from `<state>/serve.json` (written
 * by `serve`); the token from `--token-file`, `$MEMPLANE_TOKEN` or `<state>/token` (read under the
 * same rules as every `--server` client). The context, cluster and user are named after the
 * state directory. The server is asked `/version` first, so a kubeconfig for a server that is
 * not running (or a wrong token) is an error, not a file that fails later. Written files are
 * mode 0600: they hold the token.
 */
import * as fs from "node:fs";
import * as https from "node:https";
import * as path from "node:path";
import type { Command } from "commander";
import * as yaml from "js-yaml";
import { TOKEN_FILE } from "../../server/auth.js";
import { ENDPOINT_FILE, readEndpoint, type ServerEndpoint } from "../../server/endpoint.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { addStateOption } from "../options.js";
import { readStateToken, readToken } from "../remote/client.js";

/** Name of the file `--write` creates in the state directory by default. */
export const KUBECONFIG_FILE = "kubeconfig";

/** The context name for a state directory: its base name without leading dots (`.memplane` → `memplane`), prefixed `memplane-` unless it says memplane already. */
export function contextName(stateDir: string): string {
  const base = path.basename(path.resolve(stateDir)).replace(/^\.+/, "").toLowerCase().replace(/[^a-z0-9._-]+/g, "-");
  if (base === "") return "memplane";
  return base.includes("memplane") ? base : `memplane-${base}`;
}

/** The kubeconfig document for `endpoint` with `token`, one cluster, user and context named `name`, namespace default. */
export function kubeconfigFor(endpoint: Pick<ServerEndpoint, "httpsUrl" | "certificate">, token: string, name: string): string {
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster: { server: endpoint.httpsUrl, "certificate-authority-data": Buffer.from(endpoint.certificate, "utf8").toString("base64") } }],
    users: [{ name, user: { token } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: "default" } }],
    "current-context": name,
    preferences: {},
  };
  return yaml.dump(config, { lineWidth: -1 });
}

/** Asks the server for `/version` over HTTPS, trusting its certificate; throws a CliError saying what is wrong. */
function checkServer(endpoint: ServerEndpoint, token: string, stateShown: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const url = new URL("/version", endpoint.httpsUrl);
    const req = https.request(url, { ca: endpoint.certificate, headers: { Authorization: `Bearer ${token}` }, timeout: 10_000 }, (res) => {
      res.resume();
      if (res.statusCode === 200) resolve();
      else if (res.statusCode === 401) reject(new CliError(`the memplane server at ${endpoint.httpsUrl} does not accept the token (HTTP 401): it was started with another one; pass --token-file FILE or set MEMPLANE_TOKEN`));
      else reject(new CliError(`the memplane server at ${endpoint.httpsUrl} answered /version with HTTP ${res.statusCode}`));
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", (err) => {
      const why = (err as NodeJS.ErrnoException).code ?? err.message;
      reject(new CliError(`the memplane server recorded in ${path.join(stateShown, ENDPOINT_FILE)} does not answer at ${endpoint.httpsUrl} (${why}); is \`memplane serve --state ${stateShown}\` running?`));
    });
    req.end();
  });
}

/** Writes `text` to `file` readable by the owner only (0600), replacing a regular file, never following a link. */
function writePrivate(file: string, text: string): void {
  try {
    const existing = fs.lstatSync(file, { throwIfNoEntry: false });
    if (existing?.isSymbolicLink() || (existing !== undefined && !existing.isFile())) {
      throw new CliError(`refusing to write the kubeconfig to ${file}: it is ${existing.isSymbolicLink() ? "a symbolic link" : "not a regular file"}`);
    }
    if (existing !== undefined) fs.rmSync(file);
    const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_NOFOLLOW ?? 0), 0o600);
    try {
      fs.fchmodSync(fd, 0o600); // whatever the umask
      fs.writeFileSync(fd, text);
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`cannot write the kubeconfig to ${file}: ${(err as Error).message}`);
  }
}

/** Registers `kubeconfig` on the program. */
export function registerKubeconfig(program: Command, ctx: CliContext): void {
  const cmd = program
    .command("kubeconfig")
    .description("print a kubeconfig for the running `memplane serve` of --state (HTTPS URL, certificate, token), for kubectl and k9s")
    .option("--write [file]", `write it (mode 0600) to FILE, default <state>/${KUBECONFIG_FILE}, and print the file's path`)
    .option("--token-file <file>", "file holding the server's bearer token (default $MEMPLANE_TOKEN, else <state>/token)");
  addStateOption(cmd, ctx.env)
    .addHelpText(
      "after",
      "\nExamples:\n  memplane kubeconfig > memplane.kubeconfig\n  KUBECONFIG=$(memplane kubeconfig --write) kubectl get vms -o wide\n  KUBECONFIG=$(memplane kubeconfig --state lab --write) k9s\n",
    )
    .action(async (opts: { state: string; write?: string | true; tokenFile?: string }) => {
      const stateDir = opts.state;
      let endpoint: ServerEndpoint | undefined;
      try {
        endpoint = readEndpoint(stateDir);
      } catch (err) {
        throw new CliError((err as Error).message);
      }
      if (endpoint === undefined) {
        throw new CliError(`no memplane server is running on ${stateDir} (there is no ${path.join(stateDir, ENDPOINT_FILE)}); start one with \`memplane serve --state ${stateDir}\``);
      }
      let token = readToken(opts.tokenFile, ctx.env);
      if (token === undefined) {
        const local = readStateToken(path.join(stateDir, TOKEN_FILE));
        if (local.token === undefined) {
          throw new CliError(`no token for the server: ${local.note ?? `there is no ${path.join(stateDir, TOKEN_FILE)}`}; pass --token-file FILE or set MEMPLANE_TOKEN`);
        }
        token = local.token;
      }
      await checkServer(endpoint, token, stateDir);
      const text = kubeconfigFor(endpoint, token, contextName(stateDir));
      const term = ctx.terminal();
      if (opts.write === undefined) {
        term.out(text);
        return;
      }
      const file = path.resolve(opts.write === true ? path.join(stateDir, KUBECONFIG_FILE) : opts.write);
      writePrivate(file, text);
      term.out(file + "\n");
    });
}
