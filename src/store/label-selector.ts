/**
 * kubectl label selectors (`-l`): equality-based (`=`, `==`, `!=`) and set-based (`in`,
 * `notin`, `key`, `!key`) requirements joined by commas (AND), with Kubernetes semantics:
 * `!=` and `notin` also match objects that lack the label. Parsed once, matched many times.
 */
import { LabelSelectorError } from "./errors.js";

/** One requirement of a selector. */
export type LabelRequirement =
  | { key: string; operator: "=" | "!="; value: string }
  | { key: string; operator: "in" | "notin"; values: readonly string[] }
  | { key: string; operator: "exists" | "!exists" };

/** A parsed selector: every requirement must hold. */
export interface LabelSelector {
  readonly requirements: readonly LabelRequirement[];
}

const NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

type Token =
  | { type: "word"; text: string }
  | { type: "op"; text: "=" | "==" | "!=" | "!" | "(" | ")" | "," };

function tokenize(selector: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < selector.length) {
    const c = selector[i]!;
    if (c === " " || c === "\t") {
      i++;
    } else if (c === "=" && selector[i + 1] === "=") {
      tokens.push({ type: "op", text: "==" });
      i += 2;
    } else if (c === "!" && selector[i + 1] === "=") {
      tokens.push({ type: "op", text: "!=" });
      i += 2;
    } else if (c === "=" || c === "!" || c === "(" || c === ")" || c === ",") {
      tokens.push({ type: "op", text: c });
      i++;
    } else {
      let j = i;
      while (j < selector.length && !" \t=!(),".includes(selector[j]!)) j++;
      tokens.push({ type: "word", text: selector.slice(i, j) });
      i = j;
    }
  }
  return tokens;
}

function checkKey(selector: string, key: string): string {
  const slash = key.indexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    throw new LabelSelectorError(selector, `label key prefix "${prefix}" must be a DNS subdomain`);
  }
  if (name.length === 0 || name.length > 63 || !NAME_PART.test(name)) {
    throw new LabelSelectorError(
      selector,
      `label key "${key}" must be 1-63 characters of letters, digits, '-', '_' or '.', starting and ending with a letter or digit`,
    );
  }
  return key;
}

function checkValue(selector: string, value: string): string {
  if (value !== "" && (value.length > 63 || !NAME_PART.test(value))) {
    throw new LabelSelectorError(
      selector,
      `label value "${value}" must be empty or 1-63 characters of letters, digits, '-', '_' or '.', starting and ending with a letter or digit`,
    );
  }
  return value;
}

/** Parses a kubectl label selector; an empty string selects everything. Throws LabelSelectorError. */
export function parseLabelSelector(selector: string): LabelSelector {
  const tokens = tokenize(selector);
  const requirements: LabelRequirement[] = [];
  let i = 0;
  const peek = (): Token | undefined => tokens[i];
  const describe = (t: Token | undefined): string => (t === undefined ? "end of selector" : `"${t.text}"`);

  const readValues = (key: string): string[] => {
    const open = tokens[i++];
    if (open?.type !== "op" || open.text !== "(") {
      throw new LabelSelectorError(selector, `expected "(" after "${key} in/notin", found ${describe(open)}`);
    }
    const values: string[] = [];
    const close = tokens[i];
    if (close?.type === "op" && close.text === ")") {
      throw new LabelSelectorError(selector, `the value set for "${key}" must not be empty`);
    }
    for (;;) {
      const t = tokens[i];
      let value = "";
      if (t?.type === "word") {
        value = t.text;
        i++;
      }
      values.push(checkValue(selector, value));
      const sep = tokens[i++];
      if (sep?.type === "op" && sep.text === ")") break;
      if (sep?.type !== "op" || sep.text !== ",") {
        throw new LabelSelectorError(selector, `unterminated value set for "${key}": expected "," or ")", found ${describe(sep)}`);
      }
    }
    return values;
  };

  while (i < tokens.length) {
    const first = tokens[i++]!;
    if (first.type === "op" && first.text === "!") {
      const key = tokens[i++];
      if (key?.type !== "word") throw new LabelSelectorError(selector, `expected a label key after "!", found ${describe(key)}`);
      requirements.push({ key: checkKey(selector, key.text), operator: "!exists" });
    } else if (first.type === "word") {
      const key = checkKey(selector, first.text);
      const next = peek();
      if (next === undefined || (next.type === "op" && next.text === ",")) {
        requirements.push({ key, operator: "exists" });
      } else if (next.type === "op" && (next.text === "=" || next.text === "==" || next.text === "!=")) {
        i++;
        const value = peek();
        let text = "";
        if (value?.type === "word") {
          text = value.text;
          i++;
        } else if (!(value === undefined || (value.type === "op" && value.text === ","))) {
          throw new LabelSelectorError(selector, `expected a value after "${key}${next.text}", found ${describe(value)}`);
        }
        requirements.push({ key, operator: next.text === "!=" ? "!=" : "=", value: checkValue(selector, text) });
      } else if (next.type === "word" && (next.text === "in" || next.text === "notin")) {
        i++;
        requirements.push({ key, operator: next.text, values: readValues(key) });
      } else {
        throw new LabelSelectorError(selector, `unexpected ${describe(next)} after label key "${key}"`);
      }
    } else {
      throw new LabelSelectorError(selector, `expected a label key, found ${describe(first)}`);
    }
    const sep = tokens[i];
    if (sep === undefined) break;
    if (sep.type !== "op" || sep.text !== ",") {
      throw new LabelSelectorError(selector, `expected "," between requirements, found ${describe(sep)}`);
    }
    i++;
    if (i >= tokens.length) throw new LabelSelectorError(selector, "trailing comma");
  }
  return { requirements };
}

/** True when the labels satisfy every requirement of the selector. */
export function matchesLabelSelector(selector: LabelSelector, labels: Readonly<Record<string, string>> | undefined): boolean {
  for (const r of selector.requirements) {
    const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key);
    const value = has ? labels[r.key] : undefined;
    switch (r.operator) {
      case "exists":
        if (!has) return false;
        break;
      case "!exists":
        if (has) return false;
        break;
      case "=":
        if (value !== r.value) return false;
        break;
      case "!=":
        if (has && value === r.value) return false;
        break;
      case "in":
        if (!has || !r.values.includes(value!)) return false;
        break;
      case "notin":
        if (has && r.values.includes(value!)) return false;
        break;
    }
  }
  return true;
}
