/**
 * Test harness for running the examples in manifests/examples through the library and
 * reading VM and host status as numbers (pages).
 */
import "reflect-metadata";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createEngine, quantityToPages } from "memplane";
import type { Engine, LogEntry } from "memplane";

/** Root of the built-in examples. */
export const EXAMPLES = join(process.cwd(), "manifests", "examples");

/** Reads every YAML file of an example as one text. */
export function exampleText(name: string): string {
  const dir = join(EXAMPLES, name);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => readFileSync(join(dir, f), "utf8"))
    .join("\n---\n");
}

/** An engine with an example applied and every log entry collected. */
export function runExample(name: string, options: { seed?: number; text?: string } = {}): { engine: Engine; logs: LogEntry[] } {
  const engine = createEngine({ seed: options.seed ?? 1 });
  const logs: LogEntry[] = [];
  engine.logs$.subscribe((l) => logs.push(l));
  engine.apply(options.text ?? exampleText(name));
  return { engine, logs };
}

/** A VM's memory status in pages. */
export function vmMemory(engine: Engine, name: string, namespace = "default"): Record<string, number> {
  const vm = engine.store.get("VirtualMachine", name, namespace);
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(vm?.status?.memory ?? {})) out[k] = quantityToPages(v as string);
  return out;
}

/** A host's memory status in pages. */
export function hostMemory(engine: Engine, name: string): Record<string, number> {
  const h = engine.store.get("Host", name);
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(h?.status?.memory ?? {})) out[k] = quantityToPages(v as string);
  return out;
}

/** A condition's status on an object. */
export function condition(engine: Engine, kind: "Host" | "VirtualMachine", name: string, type: string): { status?: string; reason?: string } {
  const obj = engine.store.get(kind, name, kind === "VirtualMachine" ? "default" : undefined);
  return obj?.status?.conditions?.find((c) => c.type === type) ?? {};
}

/** Pages per MiB / GiB. */
export const MiB = 256;
export const GiB = 256 * 1024;
