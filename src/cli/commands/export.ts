/**
 * `memplane export metrics [--state DIR] [-o FILE]` — the saved metrics series as tidy CSV
 * (`tick,object,metric,value`; memory in bytes, stall in percent, state by name) on stdout or
 * in FILE; a FILE ending in `.json` gets the columnar series itself (pages, null for gaps).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Argument, Option, type Command } from "commander";
import { fsyncDirectory } from "../../state/atomic-file.js";
import type { CliContext } from "../context.js";
import type { OutputStream } from "../terminal.js";
import { CliError } from "../errors.js";
import { cannotWrite } from "../output/files.js";
import { addStateOption } from "../options.js";
import { readSavedMetrics } from "./report.js";

/** Parsed flags of `export`. */
interface ExportOptions {
  state: string;
  output?: string;
  format?: "csv" | "json";
}

/** Writes `chunks` to `file` atomically (temp file, fsync, rename), without building one big string. */
export function writeChunksAtomic(file: string, chunks: Iterable<string>): void {
  const target = path.resolve(file);
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
  const fd = fs.openSync(tmp, "w", 0o644);
  try {
    for (const chunk of chunks) fs.writeSync(fd, chunk);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, target);
  fsyncDirectory(path.dirname(target));
}

/** A stream that may emit events (process.stdout does). */
type EventedStream = OutputStream & { on?(event: string, listener: (...args: never[]) => void): unknown; once?(event: string, listener: () => void): unknown };

/**
 * Writes `chunks` to `out`, waiting for "drain" when it asks to; stops quietly when the reader
 * goes away (EPIPE, as with `| head`).
 */
export async function writeToStream(out: EventedStream, chunks: Iterable<string>): Promise<void> {
  let closed = false;
  let failure: NodeJS.ErrnoException | undefined;
  out.on?.("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") closed = true;
    else failure ??= err;
  });
  for (const chunk of chunks) {
    if (closed || failure) break;
    if (!out.write(chunk) && out.once) {
      await new Promise<void>((resolve) => {
        out.once!("drain", resolve);
        out.once!("error", resolve);
      });
    }
  }
  if (failure) throw new CliError(`cannot write the export: ${failure.code ?? failure.message}`);
}

/** Registers `export` on the program. */
export function registerExport(program: Command, ctx: CliContext): void {
  const cmd = program
    .command("export")
    .description("export the saved per-tick metrics series as tidy CSV (tick,object,metric,value) or JSON")
    .addArgument(new Argument("<what>", "what to export").choices(["metrics"]))
    .option("-o, --output <file>", "write to FILE instead of stdout (FILE.json writes JSON)")
    .addOption(new Option("--format <format>", "csv or json (default: from the -o extension, else csv)").choices(["csv", "json"]));
  addStateOption(cmd, ctx.env)
    .addHelpText(
      "after",
      "\nCSV rows: tick, object (host/NAME or vm/NAMESPACE/NAME), metric, value. Memory metrics end in _bytes;\nmemoryStallPercent is a percentage; state is high, clear, soft, hard or low.\n\nExamples:\n  memplane export metrics > metrics.csv\n  memplane export metrics --state ./what-if -o metrics.csv\n  memplane export metrics -o metrics.json\n",
    )
    .action(async (_what: string, opts: ExportOptions) => {
      const series = await readSavedMetrics(opts.state, ctx.env);
      const format = opts.format ?? (opts.output?.toLowerCase().endsWith(".json") ? "json" : "csv");
      const { metricsCsvChunks } = await import("../../metrics/metrics-csv.js");
      const chunks: Iterable<string> = format === "json" ? [JSON.stringify(series) + "\n"] : metricsCsvChunks(series);
      if (opts.output === undefined) {
        await writeToStream(ctx.stdout, chunks);
        return;
      }
      try {
        writeChunksAtomic(opts.output, chunks);
      } catch (err) {
        throw cannotWrite(opts.output, err);
      }
      ctx.terminal().err(`wrote ${opts.output} (${format}; ${series.length} sample${series.length === 1 ? "" : "s"} of ${series.hosts.size + series.vms.size} objects)\n`);
    });
}
