/**
 * `memplane generate --hosts N --vms-per-host M [--overcommit 1.5] [--seed S] [-o yaml|json] [--output FILE]`
 * (`-o` is short for `--format`)
 * — writes a synthetic cluster (see src/generate/cluster-generator.ts) as manifests: a YAML
 * stream of documents, or one JSON `List`, on stdout or into a file. Same flags, same bytes.
 */
import * as fs from "node:fs";
import * as yaml from "js-yaml";
import { InvalidArgumentError, Option, type Command } from "commander";
import type { ManifestObject } from "../../api/types.js";
import { generateCluster } from "../../generate/cluster-generator.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { parseSeed } from "../options.js";

/** Parsed flags of `generate`. */
interface GenerateFlags {
  hosts: number;
  vmsPerHost: number;
  overcommit: number;
  seed: number;
  output: "yaml" | "json";
  file?: string;
}

/** The most hosts and VMs one `generate` writes (a million VMs is ~400 MB of YAML). */
export const GENERATE_MAX_VMS = 1_000_000;

function wholeNumber(what: string, min: number): (value: string) => number {
  return (value) => {
    const n = Number(value.trim());
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`expected a whole number of ${what} ≥ ${min}, e.g. 10.`);
    }
    return n;
  };
}

function parseOvercommit(value: string): number {
  const n = Number(value.trim());
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0 || n > 100) {
    throw new InvalidArgumentError("expected a ratio of configured VM memory to host capacity above 0, e.g. 1.5.");
  }
  return n;
}

/** Serialises generated objects: a `---`-separated YAML stream, or a JSON `List` (one object per line). */
export function serializeCluster(objects: readonly ManifestObject[], format: "yaml" | "json"): string {
  if (format === "json") {
    const lines = objects.map((o) => "    " + JSON.stringify(o));
    return `{"apiVersion": "v1", "kind": "List", "items": [\n${lines.join(",\n")}\n]}\n`;
  }
  const docs = objects.map((o) => yaml.dump(o, { noRefs: true, lineWidth: -1, flowLevel: 3 }));
  return docs.join("---\n");
}

/** Registers `generate` on the program. */
export function registerGenerate(program: Command, ctx: CliContext): void {
  program
    .command("generate")
    .description("write a synthetic cluster as manifests: hosts and a realistic mix of VMs at a chosen overcommit")
    .requiredOption("--hosts <n>", "number of hosts", wholeNumber("hosts", 1))
    .requiredOption("--vms-per-host <n>", "VirtualMachines per host", wholeNumber("VMs per host", 0))
    .option("--overcommit <ratio>", "configured VM memory ÷ host capacity", parseOvercommit, 1.5)
    .option("--seed <n>", "seed of the generator (same seed, same cluster)", parseSeed, 1)
    .addOption(new Option("-o, --format <format>", "manifest format").choices(["yaml", "json"]).default("yaml"))
    .option("--output <file>", "write to FILE instead of stdout")
    .addHelpText(
      "after",
      "\nExamples:\n  memplane generate --hosts 4 --vms-per-host 20 > cluster.yaml\n  memplane generate --hosts 1000 --vms-per-host 100 --seed 7 -o json --output big.json\n",
    )
    .action((opts: { hosts: number; vmsPerHost: number; overcommit: number; seed: number; format: "yaml" | "json"; output?: string }) => {
      const flags: GenerateFlags = { ...opts, output: opts.format, file: opts.output };
      if (flags.hosts * flags.vmsPerHost > GENERATE_MAX_VMS) {
        throw new CliError(`--hosts ${flags.hosts} × --vms-per-host ${flags.vmsPerHost} is more than ${GENERATE_MAX_VMS} VMs; generate a smaller cluster.`);
      }
      const objects = generateCluster({ hosts: flags.hosts, vmsPerHost: flags.vmsPerHost, overcommit: flags.overcommit, seed: flags.seed });
      const text = serializeCluster(objects, flags.output);
      if (flags.file === undefined) {
        ctx.stdout.write(text);
        return;
      }
      try {
        fs.writeFileSync(flags.file, text);
      } catch (e) {
        throw new CliError(`cannot write ${flags.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      ctx.terminal().err(`wrote ${flags.hosts} hosts and ${flags.hosts * flags.vmsPerHost} VMs to ${flags.file}\n`);
    });
}
