/** workerEntryUrl: a worker entry is the built `.js` file, found from a `.ts` source (tests) or from `dist/`. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { workerEntryUrl } from "../../../../src/engine/workers/worker-entry.js";

describe("workerEntryUrl", () => {
  let repo: string;
  beforeEach(() => {
    repo = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "memplane-entry-")));
    fs.writeFileSync(path.join(repo, "package.json"), "{}");
    fs.mkdirSync(path.join(repo, "src", "engine", "workers"), { recursive: true });
  });
  afterEach(() => fs.rmSync(repo, { recursive: true, force: true }));
  const here = (...parts: string[]): string => pathToFileURL(path.join(repo, ...parts)).href;

  it("from a .ts source it is the same path under dist/, as .js; without a build it says to build first", () => {
    const source = here("src", "engine", "workers", "pool.ts");
    const built = path.join(repo, "dist", "src", "engine", "workers", "shard-worker.js");
    expect(() => workerEntryUrl("./shard-worker.js", source)).toThrow(`the worker entry ${built} is not built: run npm run build first`);
    fs.mkdirSync(path.dirname(built), { recursive: true });
    fs.writeFileSync(built, "");
    expect(workerEntryUrl("./shard-worker.js", source).href).toBe(pathToFileURL(built).href);
    expect(workerEntryUrl("./shard-worker.ts", source).href).toBe(pathToFileURL(built).href);
    // from another folder of the repo (a test, a bench script) by a relative path into src/
    expect(workerEntryUrl("../src/engine/workers/shard-worker.js", here("bench", "x.ts")).href).toBe(pathToFileURL(built).href);
  });

  it("from dist/ it is the sibling .js file", () => {
    expect(workerEntryUrl("./shard-worker.js", here("dist", "src", "engine", "workers", "pool.js")).href).toBe(
      here("dist", "src", "engine", "workers", "shard-worker.js"),
    );
  });

  it("a .ts file outside any package cannot be mapped", () => {
    fs.rmSync(path.join(repo, "package.json"));
    expect(() => workerEntryUrl("./w.js", here("src", "x.ts"))).toThrow(/cannot find the build of the worker entry .*w\.js: no package\.json above/);
  });
});
