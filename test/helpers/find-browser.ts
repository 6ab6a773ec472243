/**
 * Finds a Chromium-family browser for the tests that open a report in a real browser, the way
 * users have one: `MEMPLANE_CHROMIUM`, then `CHROME_PATH` (either one, when set, must point at an
 * executable — a typo is reported, not papered over), then the usual names on `PATH`
 * (chromium, chromium-browser, google-chrome, google-chrome-stable, chrome), the macOS app
 * bundles, and last Playwright's browser cache (`npx playwright install chromium`).
 *
 * {@link browserTestPlan} turns the search into what a test does: run with the browser; skip
 * loudly with the reason and the fix when none is found (or `MEMPLANE_SKIP_BROWSER=1`); and, when
 * `CI` is set, fail rather than skip for a missing browser.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Where the search looks; every part can be faked by tests. */
export interface BrowserSearchPlaces {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  home: string;
  /** True when `file` is an executable regular file. */
  isExecutable(file: string): boolean;
  /** The entries of a directory, or [] when it cannot be read. */
  list(dir: string): string[];
}

/** The outcome of a search: a browser and where it came from, or why there is none. */
export type BrowserSearch =
  | { found: true; executable: string; source: string }
  | { found: false; reason: string; looked: string[] };

/** Program names tried on PATH, in order. */
export const BROWSER_NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"] as const;

/** The fix printed with every "no browser" message. */
export const BROWSER_FIX =
  "install one (Debian/Ubuntu: apt-get install chromium; macOS: Google Chrome; anywhere: npx playwright install chromium) or point MEMPLANE_CHROMIUM (or CHROME_PATH) at a Chrome/Chromium executable";

/** The real machine. */
export function realPlaces(): BrowserSearchPlaces {
  return {
    env: process.env,
    platform: process.platform,
    home: os.homedir(),
    isExecutable: (file) => {
      try {
        fs.accessSync(file, fs.constants.X_OK);
        return fs.statSync(file).isFile();
      } catch {
        return false;
      }
    },
    list: (dir) => {
      try {
        return fs.readdirSync(dir);
      } catch {
        return [];
      }
    },
  };
}

/** The macOS app bundles' executables, system-wide and the user's own. */
function macBundles(home: string): string[] {
  const apps = [
    "Google Chrome.app/Contents/MacOS/Google Chrome",
    "Chromium.app/Contents/MacOS/Chromium",
    "Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing",
  ];
  return ["/Applications", path.join(home, "Applications")].flatMap((dir) => apps.map((app) => path.join(dir, app)));
}

/** Playwright's browser cache directory (PLAYWRIGHT_BROWSERS_PATH, else the platform default). */
function playwrightCache(places: BrowserSearchPlaces): string {
  const override = places.env.PLAYWRIGHT_BROWSERS_PATH;
  if (override && override !== "0") return override;
  if (places.platform === "darwin") return path.join(places.home, "Library", "Caches", "ms-playwright");
  if (places.platform === "win32") return path.join(places.env.LOCALAPPDATA ?? path.join(places.home, "AppData", "Local"), "ms-playwright");
  return path.join(places.env.XDG_CACHE_HOME || path.join(places.home, ".cache"), "ms-playwright");
}

/** Executables inside one Playwright `chromium-<revision>` or `chromium_headless_shell-<revision>` directory (old and new layouts). */
const PLAYWRIGHT_LAYOUTS = [
  "chrome-linux64/chrome",
  "chrome-linux-arm64/chrome",
  "chrome-linux/chrome",
  "chrome-mac-arm64/Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing",
  "chrome-mac-x64/Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing",
  "chrome-mac/Chromium.app/Contents/MacOS/Chromium",
  "chrome-win64/chrome.exe",
  "chrome-win/chrome.exe",
  "chrome-headless-shell-linux64/chrome-headless-shell",
  "chrome-headless-shell-linux-arm64/chrome-headless-shell",
  "chrome-linux/headless_shell",
  "chrome-headless-shell-mac-arm64/chrome-headless-shell",
  "chrome-headless-shell-mac-x64/chrome-headless-shell",
];

/** Playwright's installed Chromium executables, the newest revision first (full browser before the headless shell). */
function playwrightExecutables(places: BrowserSearchPlaces): string[] {
  const cache = playwrightCache(places);
  const revision = (dir: string): number => Number(/-(\d+)$/.exec(dir)?.[1] ?? -1);
  const dirs = places
    .list(cache)
    .filter((d) => /^chromium(_headless_shell)?-\d+$/.test(d))
    .sort((a, b) => Number(a.startsWith("chromium_headless_shell")) - Number(b.startsWith("chromium_headless_shell")) || revision(b) - revision(a));
  return dirs.flatMap((dir) => PLAYWRIGHT_LAYOUTS.map((layout) => path.join(cache, dir, ...layout.split("/"))));
}

/** Searches for a browser (see the module comment for the order). */
export function findBrowser(places: BrowserSearchPlaces = realPlaces()): BrowserSearch {
  for (const variable of ["MEMPLANE_CHROMIUM", "CHROME_PATH"]) {
    const value = places.env[variable];
    if (value === undefined || value === "") continue;
    if (places.isExecutable(value)) return { found: true, executable: value, source: variable };
    return { found: false, reason: `${variable}=${value} is not an executable file`, looked: [value] };
  }
  const looked: string[] = [];
  const windows = places.platform === "win32";
  const pathDirs = (places.env.PATH ?? places.env.Path ?? "").split(windows ? ";" : ":").filter((d) => d !== "");
  for (const name of BROWSER_NAMES) {
    for (const dir of pathDirs) {
      const file = path.join(dir, windows ? `${name}.exe` : name);
      if (places.isExecutable(file)) return { found: true, executable: file, source: `PATH (${name})` };
    }
  }
  looked.push(`PATH names ${BROWSER_NAMES.join(", ")}`);
  if (places.platform === "darwin") {
    for (const file of macBundles(places.home)) {
      if (places.isExecutable(file)) return { found: true, executable: file, source: "macOS application" };
      looked.push(file);
    }
  }
  for (const file of playwrightExecutables(places)) {
    if (places.isExecutable(file)) return { found: true, executable: file, source: "Playwright's browser cache" };
  }
  looked.push(`Playwright's cache ${playwrightCache(places)}`);
  return { found: false, reason: "no Chrome or Chromium found", looked };
}

/** What a browser test does on this machine. */
export type BrowserTestPlan =
  | { run: true; executable: string; source: string }
  | { run: false; skip: true; why: string }
  | { run: false; skip: false; why: string };

/** True when the `CI` variable says this is a CI run (set and not "false"/"0"). */
export function isCi(env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== "" && ci !== "0" && ci.toLowerCase() !== "false";
}

/**
 * Decides whether a browser test runs, skips (with the reason and the fix) or fails: an explicit
 * `MEMPLANE_SKIP_BROWSER=1` skips anywhere; a missing browser skips outside CI and fails in CI.
 */
export function browserTestPlan(places: BrowserSearchPlaces = realPlaces()): BrowserTestPlan {
  if (places.env.MEMPLANE_SKIP_BROWSER === "1") return { run: false, skip: true, why: "MEMPLANE_SKIP_BROWSER=1 is set" };
  const search = findBrowser(places);
  if (search.found) return { run: true, executable: search.executable, source: search.source };
  const why = `${search.reason} (looked at: ${search.looked.join("; ")}); ${BROWSER_FIX}`;
  return isCi(places.env) ? { run: false, skip: false, why: `CI is set, so the browser test may not be skipped: ${why}` } : { run: false, skip: true, why };
}
