/**
 * `memplane explain vm/NAME|host/NAME [--tick N] [-n NS] [-o text|json] [--state DIR]` — why a VM
 * is ballooned, compressed or swapped (or a host is in its memory state) at a tick, in plain words
 * with the numbers; `-o json` prints the decision records behind the words.
 */
import { Option, type Command } from "commander";
import { DEFAULT_NAMESPACE } from "../../api/types.js";
import type { CliContext } from "../context.js";
import { CliError, UsageError } from "../errors.js";
import { serverError } from "../error-report.js";
import { resolveKindArg } from "../kind-arg.js";
import { addServerOptions, addStateOption, parseTicks } from "../options.js";
import { RemoteClient, type RemoteFlags } from "../remote/client.js";
import { toJson } from "../output/serialize.js";
import { openStateDirectory, readEngine } from "../session.js";
import { splitKindName } from "./describe.js";

/** Parsed flags of `explain`. */
interface ExplainOptions extends RemoteFlags {
  tick?: number;
  namespace?: string;
  output: "text" | "json";
  state: string;
}

/** Registers `explain` on the program. */
export function registerExplain(program: Command, ctx: CliContext): void {
  const cmd = program
    .command("explain")
    .description("say why a VM is ballooned, compressed or swapped (or why a host is in its state), with the numbers")
    .argument("<object>", "vm/NAME or host/NAME (or KIND NAME)")
    .argument("[name]", "the object's name when KIND is given separately")
    .addOption(new Option("--tick <n>", "explain an earlier tick (the newest decision records at or before it)").argParser(parseTicks))
    .option("-n, --namespace <ns>", `namespace of the VirtualMachine (default "${DEFAULT_NAMESPACE}")`)
    .addOption(new Option("-o, --output <format>", "text, or json for the decision records").choices(["text", "json"]).default("text"));
  addServerOptions(addStateOption(cmd, ctx.env))
    .addHelpText("after", "\nExamples:\n  memplane explain vm/web-1\n  memplane explain vm/db-1 -n prod --tick 300\n  memplane explain host/esx-01 -o json\n")
    .action(async (objectArg: string, nameArg: string | undefined, opts: ExplainOptions) => {
      const { kindName, name } = splitKindName(objectArg, nameArg);
      if (name === undefined) throw new UsageError(`explain needs one object: vm/NAME or host/NAME, got "${objectArg}"`);
      const kind = resolveKindArg(kindName);
      if (kind !== "VirtualMachine" && kind !== "Host") throw new UsageError(`explain covers VirtualMachines and Hosts, not ${kindName}`);
      const term = ctx.terminal();
      const remote = RemoteClient.fromFlags(opts, ctx.env);
      if (remote) {
        const r = await remote.explain(kind, name, opts.namespace ?? DEFAULT_NAMESPACE, opts.tick);
        term.out(opts.output === "json" ? toJson({ tick: r.tick, records: r.records, live: r.live, text: r.text }) : r.text);
        return;
      }
      const engine = await readEngine(openStateDirectory(opts.state, ctx.env));
      const { explainHost, explainVm, ExplainError } = await import("../../explain/index.js");
      let result;
      try {
        result = kind === "Host" ? explainHost(engine, name, opts.tick) : explainVm(engine, name, opts.namespace ?? DEFAULT_NAMESPACE, opts.tick);
      } catch (err) {
        if (err instanceof ExplainError) throw err.reason === "NotFound" ? serverError("NotFound", err.message) : new CliError(err.message);
        throw err;
      }
      term.out(opts.output === "json" ? toJson({ tick: result.tick, records: result.records, live: result.live, text: result.text }) : result.text);
    });
}
