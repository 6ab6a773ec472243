/**
 * `memplane compare -f BASE [-f VARIANT...] [--policy esxi,mom,squeezed,hyperv] [--ticks N | --duration D]
 * [--tick 1s] [--seed N] [-o table|json]` — runs the same cluster under each variant and prints
 * the outcomes side by side. Each `-f` after the first is laid over the base (same-named objects
 * replace the base's, new ones are added); `--policy` runs every manifest set once per policy
 * with every host's `spec.policy` rewritten. Nothing touches the disk.
 */
import { InvalidArgumentError, Option, type Command } from "commander";
import type { ManifestObject, ReclamationPolicy } from "../../api/types.js";
import type { CliContext } from "../context.js";
import { readManifests } from "../manifests.js";
import { parseDurationOption, parseSeed, parseTickLength, parseTicks, ticksFor } from "../options.js";
import { toJson } from "../output/serialize.js";
import { renderTable } from "../output/table.js";
import { parsePolicyList } from "../../compare/variants.js";

/** How long `compare` simulates when neither --ticks nor --duration is given (seconds). */
export const DEFAULT_COMPARE_SECONDS = 600;

/** Parsed flags of `compare`. */
interface CompareFlags {
  filename: string[];
  policy?: ReclamationPolicy[];
  ticks?: number;
  duration?: number;
  tick?: number;
  seed?: number;
  output: "table" | "json";
}

/** Parses `--policy esxi,mom` (a usage error names the unknown policy). */
function parsePolicies(value: string): ReclamationPolicy[] {
  try {
    return parsePolicyList(value);
  } catch (e) {
    throw new InvalidArgumentError(`${(e as Error).message}.`);
  }
}

/** Names variants after their paths, numbering repeats (`a.yaml`, `a.yaml#2`). */
function uniqueNames(paths: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return paths.map((p) => {
    const n = (seen.get(p) ?? 0) + 1;
    seen.set(p, n);
    return n === 1 ? p : `${p}#${n}`;
  });
}

/** Registers `compare` on the program. */
export function registerCompare(program: Command, ctx: CliContext): void {
  program
    .command("compare")
    .description("run the same cluster under several variants (manifest sets or policies) and print the outcomes side by side")
    .addOption(
      new Option("-f, --filename <path>", "base manifest set (file or directory); repeat for variants laid over the base")
        .argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v])
        .makeOptionMandatory(),
    )
    .addOption(new Option("--policy <list>", "run each manifest set under these policies, e.g. esxi,mom,squeezed,hyperv").argParser(parsePolicies))
    .addOption(new Option("--ticks <n>", "ticks each variant runs").argParser(parseTicks))
    .addOption(new Option("--duration <d>", "simulated time each variant runs, e.g. 10m (default 10m)").argParser(parseDurationOption).conflicts("ticks"))
    .addOption(new Option("--tick <d>", "simulated time per tick (default 1s)").argParser(parseTickLength))
    .addOption(new Option("--seed <n>", "random seed shared by every variant (default 1)").argParser(parseSeed))
    .addOption(new Option("-o, --output <format>", "table for people, json for scripts").choices(["table", "json"]).default("table"))
    .addHelpText(
      "after",
      "\nExamples:\n  memplane compare -f cluster/ --policy esxi,mom,squeezed,hyperv --duration 15m\n  memplane compare -f cluster/ -f with-reservation.yaml --ticks 600 -o json\n",
    )
    .action(async (opts: CompareFlags) => {
      const term = ctx.terminal();
      const sets: { name: string; objects: ManifestObject[] }[] = [];
      const names = uniqueNames(opts.filename);
      for (const [i, path] of opts.filename.entries()) sets.push({ name: names[i]!, objects: await readManifests([path], ctx) });
      const { compareVariants, compareReportJson, hostTable, overlayObjects, policyVariants, vmTable } = await import("../../compare/index.js");
      const base = sets[0]!;
      const manifestVariants = sets.map((s, i) => ({ name: s.name, objects: i === 0 ? s.objects : overlayObjects(base.objects, s.objects) }));
      const variants =
        opts.policy === undefined
          ? manifestVariants
          : manifestVariants.flatMap((v) => policyVariants(v.objects, opts.policy!, manifestVariants.length === 1 ? undefined : v.name));
      const tickSeconds = opts.tick ?? 1;
      const ticks = ticksFor(opts, tickSeconds, Math.ceil(DEFAULT_COMPARE_SECONDS / tickSeconds - 1e-9));
      const report = compareVariants(variants, { ticks, engine: { seed: opts.seed, tickSeconds: opts.tick } });
      if (opts.output === "json") {
        term.out(toJson(compareReportJson(report)));
        return;
      }
      const hosts = hostTable(report);
      const vms = vmTable(report);
      term.out(`Compared ${report.variants.length} variant${report.variants.length === 1 ? "" : "s"} over ${ticks} ticks of ${tickSeconds}s (seed ${report.seed}).\n\n`);
      term.out(renderTable(hosts.headers, hosts.rows));
      term.out("\n");
      term.out(renderTable(vms.headers, vms.rows));
    });
}
