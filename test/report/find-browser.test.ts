/**
 * The browser search of the report's browser tests, on a fake machine (temp files, a fake PATH,
 * environment and home): the order MEMPLANE_CHROMIUM, CHROME_PATH, PATH names, macOS apps,
 * Playwright's cache; and the plan: skip with the fix outside CI, fail in CI.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { browserTestPlan, findBrowser, realPlaces, type BrowserSearchPlaces } from "../helpers/find-browser.js";

let root: string;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "memplane-browser-"));
});

afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

/** Creates `rel` under the temp root, executable unless told otherwise; returns its path. */
function file(rel: string, executable = true): string {
  const full = path.join(root, rel);
  fs.mkdirSync(path.dirname(full), { recursive: true });
  fs.writeFileSync(full, "#!/bin/sh\n");
  fs.chmodSync(full, executable ? 0o755 : 0o644);
  return full;
}

/** A machine whose home is `<root>/home`, with this environment (PATH empty unless given). */
function machine(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = "linux"): BrowserSearchPlaces {
  return { ...realPlaces(), env: { PATH: "", ...env }, platform, home: path.join(root, "home") };
}

describe("findBrowser", () => {
  test("MEMPLANE_CHROMIUM comes first, then CHROME_PATH, then PATH", () => {
    const mine = file("mine/chrome");
    const chromePath = file("chrome-path/chrome");
    const bin = path.join(root, "bin");
    file("bin/chromium");
    expect(findBrowser(machine({ MEMPLANE_CHROMIUM: mine, CHROME_PATH: chromePath, PATH: bin }))).toEqual({ found: true, executable: mine, source: "MEMPLANE_CHROMIUM" });
    expect(findBrowser(machine({ CHROME_PATH: chromePath, PATH: bin }))).toEqual({ found: true, executable: chromePath, source: "CHROME_PATH" });
    expect(findBrowser(machine({ PATH: bin }))).toMatchObject({ found: true, executable: path.join(bin, "chromium") });
  });

  test("a variable that names no executable is reported, not skipped over", () => {
    file("bin/chromium");
    const result = findBrowser(machine({ MEMPLANE_CHROMIUM: path.join(root, "typo/chrome"), PATH: path.join(root, "bin") }));
    expect(result).toMatchObject({ found: false });
    expect(!result.found && result.reason).toBe(`MEMPLANE_CHROMIUM=${path.join(root, "typo/chrome")} is not an executable file`);
  });

  test("PATH: names in order of preference across every directory; non-executable files do not count", () => {
    file("a/chromium", false);
    file("a/google-chrome");
    file("b/chromium-browser");
    const PATH = [path.join(root, "a"), path.join(root, "b")].join(":");
    expect(findBrowser(machine({ PATH }))).toEqual({ found: true, executable: path.join(root, "b/chromium-browser"), source: "PATH (chromium-browser)" });
    file("b/chrome");
    fs.rmSync(path.join(root, "b/chromium-browser"));
    expect(findBrowser(machine({ PATH }))).toMatchObject({ executable: path.join(root, "a/google-chrome") });
  });

  test("macOS: the app bundle in ~/Applications, only on macOS", () => {
    const chrome = file("home/Applications/Google Chrome.app/Contents/MacOS/Google Chrome");
    expect(findBrowser(machine({}, "darwin"))).toEqual({ found: true, executable: chrome, source: "macOS application" });
    expect(findBrowser(machine({}, "linux"))).toMatchObject({ found: false });
  });

  test("Playwright's cache: the newest chromium revision, old and new layouts, PLAYWRIGHT_BROWSERS_PATH honoured", () => {
    file("home/.cache/ms-playwright/chromium-1100/chrome-linux/chrome");
    const newest = file("home/.cache/ms-playwright/chromium-1200/chrome-linux64/chrome");
    file("home/.cache/ms-playwright/chromium_headless_shell-1300/chrome-headless-shell-linux64/chrome-headless-shell");
    expect(findBrowser(machine({}))).toEqual({ found: true, executable: newest, source: "Playwright's browser cache" });
    const elsewhere = file("pw/chromium-900/chrome-linux/chrome");
    expect(findBrowser(machine({ PLAYWRIGHT_BROWSERS_PATH: path.join(root, "pw") }))).toMatchObject({ executable: elsewhere });
  });

  test("Playwright's cache on macOS lives in ~/Library/Caches", () => {
    const mac = file("home/Library/Caches/ms-playwright/chromium-1000/chrome-mac/Chromium.app/Contents/MacOS/Chromium");
    expect(findBrowser(machine({}, "darwin"))).toMatchObject({ found: true, executable: mac });
  });

  test("nothing found: the reason says where it looked", () => {
    const result = findBrowser(machine({ PATH: path.join(root, "empty") }));
    expect(result.found).toBe(false);
    expect(!result.found && result.looked.join("; ")).toContain(path.join(root, "home/.cache/ms-playwright"));
  });
});

describe("browserTestPlan", () => {
  test("a found browser runs the tests", () => {
    const chromium = file("bin/chromium");
    expect(browserTestPlan(machine({ PATH: path.join(root, "bin"), CI: "true" }))).toEqual({ run: true, executable: chromium, source: "PATH (chromium)" });
  });

  test("no browser outside CI: skip, saying why and how to fix it", () => {
    const plan = browserTestPlan(machine({}));
    expect(plan).toMatchObject({ run: false, skip: true });
    expect(!plan.run && plan.why).toMatch(/no Chrome or Chromium found .*MEMPLANE_CHROMIUM/);
    expect(browserTestPlan(machine({ CI: "false" }))).toMatchObject({ run: false, skip: true });
  });

  test("no browser with CI set: fail, never skip", () => {
    for (const CI of ["true", "1", "yes"]) {
      const plan = browserTestPlan(machine({ CI }));
      expect(plan).toMatchObject({ run: false, skip: false });
      expect(!plan.run && plan.why).toMatch(/^CI is set, so the browser test may not be skipped: no Chrome or Chromium found/);
    }
  });

  test("MEMPLANE_SKIP_BROWSER=1 skips on purpose, even with a browser", () => {
    file("bin/chromium");
    expect(browserTestPlan(machine({ MEMPLANE_SKIP_BROWSER: "1", PATH: path.join(root, "bin") }))).toEqual({ run: false, skip: true, why: "MEMPLANE_SKIP_BROWSER=1 is set" });
  });
});
