/**
 * The pure half of the docs drift check (tools/doc-examples.ts): finds the console examples in a
 * Markdown file, matches a command's printed output against what the doc shows, and rewrites a
 * doc's shown output in place. No processes, no files: tested directly and fast.
 *
 * The doc conventions it understands:
 * - a ```console block whose `$ ` lines all run `memplane` (or `npx memplane`) is an example; a
 *   block with any other command (`curl`, `export`, …) is not one and is left alone;
 * - the lines under a `$ ` line, up to the next `$ ` line, are that command's output (trailing
 *   blank lines separate commands and are not output); no lines means "only has to succeed";
 * - a line that is only `…` (or `...`) stands for any number of lines, and a line ending in ` …`
 *   stands for any line that starts with the text before it (a table cut at that width);
 * - HTML comments right before the block configure it: `<!-- doc-example: skip REASON -->`
 *   leaves it out (say why), `<!-- doc-example: before COMMAND -->` runs COMMAND first (its
 *   output is not shown; e.g. to build the state a `describe` example reads).
 */

/** One `$ ` command of an example and the output the doc shows under it. */
export interface ShownCommand {
  /** The command line as written after `$ `, comments included. */
  command: string;
  /** 0-based line in the file of the `$ ` line. */
  line: number;
  /** The shown output lines (no trailing blank lines). */
  output: string[];
  /** Blank lines after the output (kept as they are when the output is rewritten). */
  blankAfter: number;
}

/** One ```console block that runs memplane. */
export interface ConsoleExample {
  file: string;
  /** 0-based line of the opening fence. */
  fence: number;
  /** 0-based line of the closing fence. */
  end: number;
  /** Why the block is not checked (from a `skip` marker), or undefined when it is. */
  skip?: string;
  /** Commands from `before` markers, run first, output not compared. */
  before: string[];
  commands: ShownCommand[];
}

const MARKER = /^<!--\s*doc-example:\s*(skip|before)\b\s*(.*?)\s*-->\s*$/;
const PROMPT = /^\$ (.*)$/;

/** Whether a command line runs the memplane CLI (`memplane …` or `npx memplane …`). */
export function runsMemplane(command: string): boolean {
  return /^(npx )?memplane(\s|$)/.test(command);
}

/** The ```console blocks of a Markdown text whose commands all run memplane. */
export function extractExamples(file: string, text: string): ConsoleExample[] {
  const lines = text.split("\n");
  const examples: ConsoleExample[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== "```console") continue;
    let end = i + 1;
    while (end < lines.length && !lines[end]!.trim().startsWith("```")) end++;
    const example = parseBlock(file, lines, i, end);
    if (example) examples.push(example);
    i = end;
  }
  return examples;
}

function parseBlock(file: string, lines: string[], fence: number, end: number): ConsoleExample | undefined {
  const commands: ShownCommand[] = [];
  for (let j = fence + 1; j < end; j++) {
    const m = PROMPT.exec(lines[j]!);
    if (m) commands.push({ command: m[1]!, line: j, output: [], blankAfter: 0 });
    else if (commands.length > 0) commands[commands.length - 1]!.output.push(lines[j]!);
  }
  if (commands.length === 0 || !commands.every((c) => runsMemplane(c.command))) return undefined;
  for (const c of commands) {
    while (c.output.length > 0 && c.output[c.output.length - 1]!.trim() === "") {
      c.output.pop();
      c.blankAfter++;
    }
  }
  const example: ConsoleExample = { file, fence, end, before: [], commands };
  // Markers: the comment lines right above the fence (blank lines between are allowed).
  const markers: RegExpExecArray[] = [];
  for (let k = fence - 1; k >= 0; k--) {
    const line = lines[k]!.trim();
    if (line === "") continue;
    const m = MARKER.exec(line);
    if (!m) break;
    markers.unshift(m);
  }
  for (const m of markers) {
    if (m[1] === "skip") example.skip = m[2] || "(no reason given)";
    else example.before.push(m[2]!);
  }
  return example;
}

/** Whether a shown line stands for any number of lines. */
function isElision(shown: string): boolean {
  const t = shown.trim();
  return t === "…" || t === "...";
}

/** The prefix a shown line ending in ` …` stands for, or undefined for a literal line. */
function truncatedPrefix(shown: string): string | undefined {
  return !isElision(shown) && shown.trimEnd().endsWith(" …") ? shown.trimEnd().slice(0, -2).trimEnd() : undefined;
}

function lineMatches(shown: string, actual: string): boolean {
  const prefix = truncatedPrefix(shown);
  if (prefix !== undefined) return actual.trimEnd().startsWith(prefix);
  return shown.trimEnd() === actual.trimEnd();
}

/** Whether the actual output lines match what the doc shows (elisions and cut lines allowed). */
export function outputMatches(shown: readonly string[], actual: readonly string[]): boolean {
  // memo[i][j]: shown[i..] matches actual[j..]
  const memo = new Map<number, boolean>();
  const go = (i: number, j: number): boolean => {
    const key = i * (actual.length + 1) + j;
    const hit = memo.get(key);
    if (hit !== undefined) return hit;
    let r: boolean;
    if (i === shown.length) r = j === actual.length;
    else if (isElision(shown[i]!)) r = go(i + 1, j) || (j < actual.length && go(i, j + 1));
    else r = j < actual.length && lineMatches(shown[i]!, actual[j]!) && go(i + 1, j + 1);
    memo.set(key, r);
    return r;
  };
  return go(0, 0);
}

/** What identifies a shown line when realigning: its label (`Consumed [CNSM]`, `Memory:` for a section) or first column. */
function lineKey(line: string): string {
  const t = line.trim();
  const m = /^(.*?)(:\s*$|:\s|\s{2,}|$)/.exec(t)!;
  return m[2]!.trim() === ":" && t.endsWith(":") ? `${m[1]}:` : m[1]!;
}

/**
 * What the doc should show for `actual`, keeping the doc's shape: an output that already matches
 * is kept as written (a readable diff). Otherwise, without elisions, the whole output is
 * replaced; with them, each shown line is replaced by the next actual line with the same label
 * (`Consumed [CNSM]:`, a table row's first column) — lines before the first elision fall back to
 * their position from the start, lines after the last one to theirs from the end — lines that
 * are gone are dropped, elisions stand for the lines in between, and cut lines stay cut at the
 * same width. The result always matches `actual`.
 */
export function rewriteOutput(shown: readonly string[], actual: readonly string[]): string[] {
  if (outputMatches(shown, actual)) return [...shown];
  const glyph = shown.find(isElision);
  if (glyph === undefined) return actual.map((l) => l.trimEnd());
  const shape = (pattern: string, line: string): string => {
    const prefix = truncatedPrefix(pattern);
    return prefix === undefined ? line.trimEnd() : `${line.slice(0, prefix.length).trimEnd()} …`;
  };
  const firstElision = shown.findIndex(isElision);
  let lastElision = firstElision;
  shown.forEach((l, k) => { if (isElision(l)) lastElision = k; });
  const out: string[] = [];
  let pos = 0;
  let elided = false;
  shown.forEach((pattern, k) => {
    if (isElision(pattern)) { elided = true; return; }
    let j = -1;
    for (let c = pos; c < actual.length; c++) if (lineKey(actual[c]!) === lineKey(pattern)) { j = c; break; }
    if (j < 0 && k < firstElision && pos < actual.length) j = pos;
    const fromEnd = actual.length - (shown.length - k);
    if (j < 0 && k > lastElision && fromEnd >= pos) j = fromEnd;
    if (j < 0) return;
    const line = shape(pattern, actual[j]!);
    if (j > pos || elided) out.push(`${/^\s*/.exec(line)![0]}${glyph.trim()}`);
    out.push(line);
    pos = j + 1;
    elided = false;
  });
  if (pos < actual.length || elided) out.push(glyph);
  return out.filter((l, k) => !(isElision(l) && k > 0 && isElision(out[k - 1]!)));
}

/** The Markdown text with each command's shown output replaced (keyed by the `$ ` line). */
export function replaceOutputs(text: string, examples: readonly ConsoleExample[], outputs: ReadonlyMap<number, string[]>): string {
  const lines = text.split("\n");
  const commands = examples.flatMap((e) => e.commands).sort((a, b) => b.line - a.line);
  for (const c of commands) {
    const next = outputs.get(c.line);
    if (!next) continue;
    lines.splice(c.line + 1, c.output.length, ...next);
  }
  return lines.join("\n");
}
