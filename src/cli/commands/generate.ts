/**
 * `memplane generate --hosts N --vms-per-host M [--overcommit 1.5] [--seed S] [-o yaml|json] [--output FILE|DIR/]`
 * (`-o` is short for `--format`)
 * — writes a synthetic cluster (see src/generate/cluster-generator.ts) as manifests: a YAML
 * stream of documents, or one JSON `List`, on stdout or into a file; or, for a directory, one
 * file per {@link OBJECTS_PER_FILE} objects, so that `apply -f DIR` stays within the manifest
 * limits (16 MiB per file, 100 000 nodes per document) at any size. Same flags, same bytes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { InvalidArgumentError, Option, type Command } from "commander";
import type { ManifestObject } from "../../api/types.js";
import { generateCluster, generateHostGroups, type GenerateOptions } from "../../generate/cluster-generator.js";
import type { CliContext } from "../context.js";
import { CliError } from "../errors.js";
import { cannotWrite, writeOutputFile } from "../output/files.js";
import { DEFAULT_YAML_LIMITS } from "../../manifest/safe-yaml.js";
import { MANIFEST_EXTENSIONS } from "../../manifest/extensions.js";
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

/**
 * Objects per file when writing a directory: a JSON `List` of 1 000 generated objects holds
 * ≈ 50 000 nodes and ≈ 400 KB, well inside one document's limits.
 */
export const OBJECTS_PER_FILE = 1000;

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
    .option("--output <path>", `write to FILE instead of stdout; a directory (existing, or ending in /) gets one file per ${OBJECTS_PER_FILE} objects`)
    .addHelpText(
      "after",
      "\nExamples:\n  memplane generate --hosts 4 --vms-per-host 20 > cluster.yaml\n  memplane generate --hosts 1000 --vms-per-host 100 --seed 7 --output big/   # 101 files; apply -f big/\n  memplane generate --hosts 10 --vms-per-host 50 -o json --output cluster.json\n",
    )
    .action((opts: { hosts: number; vmsPerHost: number; overcommit: number; seed: number; format: "yaml" | "json"; output?: string }) => {
      const flags: GenerateFlags = { ...opts, output: opts.format, file: opts.output };
      if (flags.hosts * flags.vmsPerHost > GENERATE_MAX_VMS) {
        throw new CliError(`--hosts ${flags.hosts} × --vms-per-host ${flags.vmsPerHost} is more than ${GENERATE_MAX_VMS} VMs; generate a smaller cluster.`);
      }
      const cluster: GenerateOptions = { hosts: flags.hosts, vmsPerHost: flags.vmsPerHost, overcommit: flags.overcommit, seed: flags.seed };
      const what = `${flags.hosts} hosts and ${flags.hosts * flags.vmsPerHost} VMs`;
      if (flags.file !== undefined && isDirectoryTarget(flags.file)) {
        const files = writeDirectory(flags.file, cluster, flags.output);
        ctx.terminal().err(`wrote ${what} to ${files} files in ${flags.file} (apply them with: memplane apply -f ${flags.file})\n`);
        return;
      }
      const objects = generateCluster(cluster);
      const text = serializeCluster(objects, flags.output);
      const warning = applyLimitWarning(text, objects.length, flags.output, flags.file ?? "the output");
      if (warning !== undefined) ctx.terminal().err(warning);
      if (flags.file === undefined) {
        ctx.stdout.write(text);
        return;
      }
      writeOutputFile(flags.file, text);
      ctx.terminal().err(`wrote ${what} to ${flags.file}\n`);
    });
}

/** Whether `--output` names a directory: one that exists, or a path ending in a separator. */
function isDirectoryTarget(target: string): boolean {
  if (target.endsWith("/") || target.endsWith(path.sep)) return true;
  try {
    return fs.statSync(target).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Writes `cluster-0001.yaml`… of {@link OBJECTS_PER_FILE} objects each into `dir` (created if
 * missing), generating one host at a time so that only one file's objects are in memory;
 * returns how many files.
 */
function writeDirectory(dir: string, cluster: GenerateOptions, format: "yaml" | "json"): number {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw cannotWrite(`directory ${dir}`, e);
  }
  // `apply -f DIR` reads every manifest in it: files of an earlier cluster would be applied too
  const existing = fs.readdirSync(dir).filter((f) => MANIFEST_EXTENSIONS.includes(path.extname(f).toLowerCase()));
  if (existing.length > 0) {
    throw new CliError(`${dir} already holds ${existing.length} manifest file(s) (${existing.slice(0, 3).join(", ")}${existing.length > 3 ? ", …" : ""}); apply -f would read them too: choose an empty or new directory`);
  }
  const files = Math.max(1, Math.ceil((cluster.hosts * (cluster.vmsPerHost + 1)) / OBJECTS_PER_FILE));
  const width = Math.max(4, String(files).length);
  let written = 0;
  const part: ManifestObject[] = [];
  const flush = (): void => {
    writeOutputFile(path.join(dir, `cluster-${String(++written).padStart(width, "0")}.${format}`), serializeCluster(part.splice(0, OBJECTS_PER_FILE), format));
  };
  for (const group of generateHostGroups(cluster)) {
    for (const o of group) part.push(o);
    while (part.length >= OBJECTS_PER_FILE) flush();
  }
  if (part.length > 0 || written === 0) flush();
  return written;
}

/**
 * A warning when one file would be more than `apply` reads: over 16 MiB, or a JSON `List` of more
 * objects than one document may hold (each generated object is ≈ 50 nodes of the 100 000).
 */
function applyLimitWarning(text: string, objects: number, format: "yaml" | "json", target: string): string | undefined {
  const tooBig = Buffer.byteLength(text) > DEFAULT_YAML_LIMITS.maxChars;
  const tooManyNodes = format === "json" && objects * 60 > DEFAULT_YAML_LIMITS.maxNodes;
  if (!tooBig && !tooManyNodes) return undefined;
  const why = tooBig ? `${(Buffer.byteLength(text) / 2 ** 20).toFixed(0)} MiB is over the ${DEFAULT_YAML_LIMITS.maxChars / 2 ** 20} MiB apply reads per file` : `${objects} objects in one JSON document is over the ${DEFAULT_YAML_LIMITS.maxNodes} nodes apply reads per document`;
  return `warning: ${target}: ${why}; write a directory instead (--output DIR/), one file per ${OBJECTS_PER_FILE} objects\n`;
}
