/**
 * Where a worker thread's entry module is. A worker runs a built `.js` file, but the code that
 * starts it may itself run from the TypeScript sources (the test suite, through ts-jest) or from
 * `dist/` (the CLI, the published package). tsconfig puts `<repo>/X/…/y.ts` at
 * `<repo>/dist/X/…/y.js`, so a source file finds its workers in the build.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The nearest directory at or above `dir` that holds a package.json. */
function packageRoot(dir: string): string | undefined {
  for (let d = dir; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, "package.json"))) return d;
    if (path.dirname(d) === d) return undefined;
  }
}

/**
 * The URL of a worker entry module `relativeFromThisDir` (for example `"./echo-worker.js"`)
 * next to the module at `here` (its `import.meta.url`). From `dist/` it is the sibling `.js`
 * file. From a `.ts` source it is the same path in the build, `<repo>/dist/…/x.js`; a missing
 * build is an Error saying "run npm run build first".
 */
export function workerEntryUrl(relativeFromThisDir: string, here: string): URL {
  const relative = relativeFromThisDir.replace(/\.ts$/, ".js");
  const herePath = fileURLToPath(here);
  if (!herePath.endsWith(".ts")) return new URL(relative, here);
  const source = fileURLToPath(new URL(relative, here));
  const root = packageRoot(path.dirname(herePath));
  const inRepo = root === undefined ? undefined : path.relative(root, source);
  if (root === undefined || inRepo === undefined || inRepo.startsWith("..") || path.isAbsolute(inRepo)) {
    throw new Error(`cannot find the build of the worker entry ${source}: no package.json above ${herePath}`);
  }
  const built = path.join(root, "dist", inRepo);
  if (!existsSync(built)) throw new Error(`the worker entry ${built} is not built: run npm run build first`);
  return pathToFileURL(built);
}
