// slipway.yml text → a plain document, within bounds: at most MAX_CONFIG_BYTES, MAX_YAML_ALIASES aliases
// (`*name`) and MAX_YAML_DEPTH levels of nesting, checked on the token stream before anything is built,
// so an alias bomb or a deeply nested file is refused in words (with its line and column) instead of
// exhausting memory or the stack. Also answers where a path of the document is in the text, so every
// problem found later can say its line and column.
import { isAlias, isMap, isPair, isScalar, isSeq, Lexer, LineCounter, parseDocument, type Document, type Node } from "yaml";
import type { FieldIssue } from "@/lib/errors";
import { formatPath } from "@/lib/validation/parse";
import type { IssuePath, Locate } from "@/lib/config/check";

export const MAX_CONFIG_BYTES = 2 * 1024 * 1024;
/** aliases (`*name`) in one file; slipway.yml needs none, a hand-written one a few */
export const MAX_YAML_ALIASES = 100;
/** levels of nesting; slipway.yml's deepest key (repos → builds → deploy → targets → restart → argv) is 11 */
export const MAX_YAML_DEPTH = 64;
/** values in the document once aliases are expanded */
export const MAX_YAML_VALUES = 200_000;

export type ReadYaml = { ok: true; value: unknown; locate: Locate } | { ok: false; issues: FieldIssue[] };

function at(lines: LineCounter, offset: number): { line: number; column: number } {
  const p = lines.linePos(offset);
  return { line: p.line, column: p.col };
}

function where(pos: { line: number; column: number }): string {
  return `line ${pos.line}, column ${pos.column}`;
}

const tooManyValues = `more than ${MAX_YAML_VALUES.toLocaleString("en")} values; slipway.yml holds a few hundred: is it the right file?`;

/**
 * Walks the tokens once: counts aliases and values, and measures nesting (flow collections, block indentation and the
 * `- `/`? ` indicators that open a level on the same line). Returns the first bound passed, with its offset.
 */
function scanBounds(text: string): { offset: number; message: string } | null {
  let aliases = 0;
  let values = 0;
  let flow = 0;
  const indents: number[] = []; // block levels: the columns that opened them
  let lineStart = true;
  let column = 0;
  let inlineLevels = 0; // `- ` and `? ` on this line after its indentation
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    const start = offset;
    offset += token.length;
    // the lexer's control characters: \x02 document, \x18 flow error, \x1f scalar (none has a length in the text)
    if (token.length === 1 && token < "\x20" && token !== "\n" && token !== "\t") {
      offset = start;
      // \x1f starts a plain or block scalar: counted here, a file of a million values is refused before the
      // parser spends seconds building it (quoted scalars are counted below)
      if (token === "\x1f" && ++values > MAX_YAML_VALUES) return { offset: start, message: tooManyValues };
      continue;
    }
    if ((token[0] === '"' || token[0] === "'") && ++values > MAX_YAML_VALUES) return { offset: start, message: tooManyValues };
    // a newline, or a block scalar's text (which ends with its last newline)
    if (token.endsWith("\n")) {
      lineStart = true;
      column = 0;
      inlineLevels = 0;
      continue;
    }
    if (lineStart && /^[ \t]+$/.test(token)) {
      column = token.length;
      continue;
    }
    if (lineStart && flow === 0 && !token.startsWith("#")) {
      while (indents.length && indents[indents.length - 1]! >= column) indents.pop();
      indents.push(column);
      lineStart = false;
    }
    lineStart = false;
    if (token.startsWith("*")) {
      aliases++;
      if (aliases > MAX_YAML_ALIASES) return { offset: start, message: `more than ${MAX_YAML_ALIASES} aliases (*name); slipway.yml needs none: write the values out` };
    } else if (token === "[" || token === "{") flow++;
    else if (token === "]" || token === "}") flow = Math.max(0, flow - 1);
    else if (flow === 0 && (token === "-" || token === "?")) inlineLevels++;
    if (indents.length + inlineLevels + flow > MAX_YAML_DEPTH) {
      return { offset: start, message: `nested more than ${MAX_YAML_DEPTH} levels deep; slipway.yml's deepest key is 11 levels down: is it the right file?` };
    }
  }
  return null;
}

/** The node at `path`, or the deepest node on the way there (for a key that is missing). */
function nodeAt(doc: Document, path: IssuePath): Node | undefined {
  let node: unknown = doc.contents;
  let found = node as Node | undefined;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
      if (!pair) break;
      node = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof key === "number") {
      node = node.items[key];
    } else break;
    if (!node || typeof node !== "object" || !("range" in node)) break;
    found = node as Node;
  }
  return found;
}

/**
 * How many values a node stands for once its aliases are expanded (memoized per node, so a bomb is
 * measured without being built). Nesting is bounded by scanBounds, aliases by their count.
 */
function expandedSize(doc: Document, node: unknown, memo: Map<unknown, number>): number {
  if (isAlias(node)) return expandedSize(doc, node.resolve(doc), memo);
  if (!node || typeof node !== "object") return 1;
  const known = memo.get(node);
  if (known !== undefined) return known;
  memo.set(node, 1); // an alias inside its own anchor counts once
  let n = 1;
  if (isMap(node) || isSeq(node)) {
    for (const item of node.items as unknown[]) {
      if (isPair(item)) n += expandedSize(doc, item.key, memo) + expandedSize(doc, item.value, memo);
      else n += expandedSize(doc, item, memo);
      if (n > Number.MAX_SAFE_INTEGER / 2) break;
    }
  }
  memo.set(node, n);
  return n;
}

/** The alias that stands for the most values, with its path in the document. */
function largestAlias(doc: Document, memo: Map<unknown, number>): { path: IssuePath; node: Node; size: number } | undefined {
  let best: { path: IssuePath; node: Node; size: number } | undefined;
  const stack: { node: unknown; path: IssuePath }[] = [{ node: doc.contents, path: [] }];
  while (stack.length) {
    const { node, path } = stack.pop()!;
    if (isAlias(node)) {
      const size = expandedSize(doc, node, memo);
      if (!best || size >= best.size) best = { path, node, size }; // >=: the first in the file wins (the stack pops last first)
    } else if (isMap(node)) {
      for (const p of node.items) stack.push({ node: p.value, path: [...path, isScalar(p.key) ? String(p.key.value) : "?"] });
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => stack.push({ node: item, path: [...path, i] }));
    }
  }
  return best;
}

export function readYaml(text: string): ReadYaml {
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES) {
    return { ok: false, issues: [{ path: "", message: `the file is larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MiB; is it the right file?` }] };
  }
  const lines = new LineCounter();
  lines.addNewLine(0);
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lines.addNewLine(i + 1);
  const bound = scanBounds(text);
  if (bound) {
    const pos = at(lines, bound.offset);
    return { ok: false, issues: [{ path: where(pos), message: `YAML: ${bound.message}`, ...pos }] };
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length) {
    return {
      ok: false,
      issues: doc.errors.map((e) => {
        const p = e.linePos?.[0];
        const pos = p ? { line: p.line, column: p.col } : undefined;
        // the yaml package's own words for this one name a function of its API
        const message = e.code === "MULTIPLE_DOCS"
          ? "slipway.yml is one YAML document; remove the '---' line that starts a second one (or split the file)"
          : e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
        return { path: pos ? where(pos) : "", message: `YAML: ${message}`, ...pos };
      }),
    };
  }
  const memo = new Map<unknown, number>();
  if (expandedSize(doc, doc.contents, memo) > MAX_YAML_VALUES) {
    const alias = largestAlias(doc, memo);
    const pos = alias?.node.range ? at(lines, alias.node.range[0]) : undefined;
    const path = alias ? formatPath(alias.path) : "";
    return {
      ok: false,
      issues: [
        {
          path: path || (pos ? where(pos) : ""),
          message: `YAML: aliases expand to more than ${MAX_YAML_VALUES.toLocaleString("en")} values${alias ? ` (this alias alone stands for ${alias.size.toLocaleString("en")}${pos ? `, at ${where(pos)}` : ""})` : ""}; write the values out`,
          ...pos,
        },
      ],
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (err) {
    // the yaml package refuses an alias that expands too much (a "billion laughs"), or one that points nowhere
    const message = err instanceof ReferenceError && /alias/i.test(err.message)
      ? `aliases expand to too much data (more than ${MAX_YAML_ALIASES} copies); write the values out`
      : `the document cannot be read (${err instanceof Error ? err.message : String(err)})`;
    return { ok: false, issues: [{ path: "", message: `YAML: ${message}` }] };
  }
  const locate: Locate = (path) => {
    const node = nodeAt(doc, path);
    return node?.range ? at(lines, node.range[0]) : undefined;
  };
  return { ok: true, value, locate };
}
