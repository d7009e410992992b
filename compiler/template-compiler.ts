// Compiles a set of handlebars templates into plain JavaScript that concatenates strings:
// no runtime lookups through helper tables, no data frames, no wrapped helpers. Handlebars
// itself parses each template (so standalone lines, `~` and comments are stripped exactly as
// handlebars strips them); this module turns the AST into code for the subset meshc's
// templates use, and throws on anything else, so an unsupported construct fails the build
// (or, from the sources, the first render) instead of rendering differently:
//   content; `{{path}}`, `{{{path}}}`; `{{helper path}}` for the set's helpers; `{{#if}}`,
//   `{{#unless}}`, `{{#with}}`, `{{#each}}` over one path, with `{{else}}`; `{{> partial}}`
//   with at most one path context and a hash of paths; paths `this`, `a.b`, `../a`.
// Semantics are handlebars 4.7's with `strict: true` (compiler/template-runtime.ts), HTML
// escaping unless the set says noEscape. Not reproduced, as no view can reach them: `../`
// when a block's context loosely equals its parent's (handlebars then adds no depth level),
// and `this` inside `{{#if}}` under a null context (handlebars' nullContext object). Measured at 1,000 services (nginx + HAProxy): the
// handlebars runtime cost ~0.8 s of CPU plus the garbage its frames and wrappers made.
// A path read more than once in a template is read once where its first read dominates the
// others (`{{#if tls}}` then `{{q tls.certificate}}`; the pass partial's ten `{{module}}`):
// views are data, so reading a property again gives the same value (a getter that answered
// differently each time would not be reproduced); likewise an output printed again is the
// text kept at its first print (helpers are functions of their argument).
import { createRequire } from "node:module";
import type { TemplateRuntime } from "./template-runtime.ts";

/** What the compiler needs to know about a template set. */
export interface CompileOptions {
  /** Template name -> handlebars source. */
  readonly sources: Readonly<Record<string, string>>;
  /** The templates that may be used as `{{> name}}`. */
  readonly partials: readonly string[];
  /** Helper names callable as `{{name path}}`; `safe` ones are printed unescaped (handlebars SafeString). */
  readonly helpers: Readonly<Record<string, { readonly safe: boolean }>>;
  readonly noEscape: boolean;
}

export type CompiledTemplate = (context: unknown) => string;
export type TemplateHelpers = Readonly<Record<string, (value: unknown) => unknown>>;
/** The compiled set: called once with the runtime and the helpers, it returns the render functions by template name. */
export type TemplateFactory = (rt: TemplateRuntime, helpers: TemplateHelpers) => Record<string, CompiledTemplate>;

/** A template construct the compiler does not translate. */
export class UnsupportedTemplateError extends Error {}

// handlebars' AST, as far as this module reads it.
interface Loc { start: { line: number; column: number } }
interface Path { type: "PathExpression"; data: boolean; depth: number; parts: string[]; original: string; loc?: Loc }
interface Node {
  type: string; loc?: Loc; value?: string; path?: Path; params?: Node[]; hash?: { pairs: { key: string; value: Node }[] };
  escaped?: boolean; program?: Program; inverse?: Program; name?: Node; indent?: string;
}
interface Program { body: Node[]; blockParams?: string[] }

// handlebars' built-in helpers: `{{each}}` alone would call one, not read the context.
const BUILT_IN = new Set(["each", "if", "unless", "with", "log", "lookup", "helperMissing", "blockHelperMissing"]);

/**
 * The property names a value of a view can inherit from a built-in prototype (an object's
 * `constructor`, an array's `entries`, a string's `link`). Views are data (plain objects,
 * arrays, primitives): a value read under any other name is the object's own unless it is
 * a function (a method a newer runtime added, a class's method), so only those reads, and
 * a function read under another name, pay for the own-property check.
 */
const INHERITED: ReadonlySet<string> = (() => {
  const names = new Set<string>();
  for (const value of [{}, [], "", 0, 0n, true, Symbol(), () => {}]) {
    for (let proto = Object.getPrototypeOf(Object(value)); proto !== null; proto = Object.getPrototypeOf(proto)) {
      for (const name of Object.getOwnPropertyNames(proto)) names.add(name);
    }
  }
  return names;
})();

/** A path's value kept in a variable of its own: `strict` when a strict read made it (non-null, own, of an object). */
interface Kept { readonly name: string; readonly strict: boolean }

/**
 * helpers/if's test, inline (no call): false for falsy values (0 included) and empty arrays.
 * `b` is the function's one temporary for it (read only within the test).
 */
const truthy = (value: string): string => `(b = ${value}) && (b.length !== 0 || !Array.isArray(b))`;
/** helpers/with's test (utils.isEmpty negated: 0 is not empty), inline. */
const nonEmpty = (value: string): string => `((b = ${value}) || b === 0) && (b.length !== 0 || !Array.isArray(b))`;

class Generator {
  private counter = 0;
  private temps = 0;
  private kept = 0;
  /** How often each path (from a context variable) is read: the first pass counts, the second keeps those read twice or more. */
  private readonly reads = new Map<string, number>();
  /** The kept paths whose variable is set on every way to the code being generated: one map a program, inherited by its blocks. */
  private scopes: Map<string, Kept>[] = [new Map()];
  private constructor(private readonly template: string, private readonly options: CompileOptions, private readonly reused: ReadonlySet<string> | null) {}

  /**
   * Two passes: the first counts the path reads; the second keeps each path read more than
   * once in a variable at its first read, and later reads that read dominates (the same or
   * an enclosing block, earlier) use the variable. Views are data, so a second read gives
   * what the first gave; a strict read (a mustache's last name) is reused only from a strict one.
   */
  static template(name: string, ast: Program, options: CompileOptions, index: number): string {
    const counting = new Generator(name, options, null);
    counting.program(ast, ["c0"], "    ");
    const gen = new Generator(name, options, new Set([...counting.reads].filter(([, n]) => n > 1).map(([key]) => key)));
    const body = gen.program(ast, ["c0"], "    ");
    const temps = Array.from({ length: gen.temps }, (_, i) => `, v${i}`).join("") + Array.from({ length: gen.kept }, (_, i) => `, k${i}`).join("");
    return `  function t${index}(c0) {\n    let o = "", s, b${temps};\n${body}    return o;\n  }\n`;
  }

  private fail(node: Node, what: string): never {
    const at = node.loc ? `:${node.loc.start.line}:${node.loc.start.column + 1}` : "";
    throw new UnsupportedTemplateError(`template ${JSON.stringify(this.template)}${at}: ${what} is not supported by meshc's template compiler (compiler/template-compiler.ts)`);
  }

  /** `contexts` is the lexical stack of context variables, innermost last (handlebars' depths). */
  private program(program: Program, contexts: string[], pad: string): string {
    this.scopes.push(new Map(this.scopes[this.scopes.length - 1]));
    try {
      return this.statements(program, contexts, pad);
    } finally {
      this.scopes.pop();
    }
  }

  private statements(program: Program, contexts: string[], pad: string): string {
    let code = "";
    // Consecutive text, mustaches and partials become one `o += a + b + c;` (every piece a string).
    let pieces: string[] = [];
    let text = "";
    const flushText = () => {
      if (text) pieces.push(JSON.stringify(text));
      text = "";
    };
    const flush = () => {
      flushText();
      if (pieces.length) code += `${pad}o += ${pieces.join(" + ")};\n`;
      pieces = [];
    };
    for (const node of program.body) {
      if (node.type === "ContentStatement") text += node.value!;
      else if (node.type === "CommentStatement") continue;
      else if (node.type === "MustacheStatement") {
        flushText();
        pieces.push(this.mustache(node, contexts));
      } else if (node.type === "PartialStatement") {
        flushText();
        pieces.push(this.partial(node, contexts));
      } else if (node.type === "BlockStatement") {
        flush();
        code += this.block(node, contexts, pad);
      } else this.fail(node, `a ${node.type}`);
    }
    flush();
    return code;
  }

  private mustache(node: Node, contexts: string[]): string {
    const path = this.asPath(node.path as Node | undefined, node);
    if (node.hash) this.fail(node, "a hash argument");
    const params = node.params ?? [];
    let value: string;
    let safe = false;
    let source: Node;
    let helper = "";
    if (params.length > 0) {
      const declared = this.options.helpers[path.original];
      if (path.depth > 0 || path.parts.length !== 1 || !declared) this.fail(node, `the helper ${JSON.stringify(path.original)}`);
      if (params.length !== 1) this.fail(node, `${params.length} arguments to a helper`);
      helper = `h${Object.keys(this.options.helpers).indexOf(path.original)}`;
      source = params[0]!;
      safe = declared.safe;
    } else {
      const simple = path.depth === 0 && path.parts.length === 1 && !/^\.|this\b/.test(path.original);
      if (simple && (BUILT_IN.has(path.parts[0]!) || Object.hasOwn(this.options.helpers, path.parts[0]!))) this.fail(node, `{{${path.original}}} (a helper name without arguments)`);
      source = path as unknown as Node;
    }
    const escape = node.escaped && !this.options.noEscape && !safe;
    // The same output printed again (`{{module}}` ten times in a partial) is the text kept at its first print.
    const key = JSON.stringify([escape ? "esc" : "str", helper, this.pathKey(source, contexts)]);
    const scope = this.scopes[this.scopes.length - 1]!;
    const known = scope.get(key);
    if (known !== undefined) return known.name;
    if (this.reused === null) this.reads.set(key, (this.reads.get(key) ?? 0) + 1);
    value = this.lookup(source, contexts, helper === "");
    if (helper) value = `${helper}(${value})`;
    // The compiled `append` (noEscape, triple-stash, a safe helper), inline: null and undefined print nothing, the rest converts as `+=` would.
    const text = escape ? `(typeof (s = ${value}) === "string" && !possible.test(s) ? s : rt.esc(s))` : `((s = ${value}) == null ? "" : "" + s)`;
    if (this.reused?.has(key) !== true) return text;
    const kept = `k${this.kept++}`;
    scope.set(key, { name: kept, strict: true });
    return `(${kept} = ${text})`;
  }

  /** The key a path's value is kept under (the context variable it starts from, then its names). */
  private pathKey(node: Node, contexts: string[]): string {
    const path = this.asPath(node, node);
    return JSON.stringify([contexts[contexts.length - 1 - path.depth] ?? "", ...path.parts]);
  }

  private block(node: Node, contexts: string[], pad: string): string {
    const path = this.asPath(node.path as Node | undefined, node);
    const params = node.params ?? [];
    if (node.hash) this.fail(node, "a hash argument");
    if (node.program?.blockParams?.length || node.inverse?.blockParams?.length) this.fail(node, "block parameters");
    if (!["if", "unless", "with", "each"].includes(path.original)) this.fail(node, `the block {{#${path.original}}}`);
    if (params.length !== 1) this.fail(node, `{{#${path.original}}} with ${params.length} arguments`);
    const value = this.lookup(params[0]!, contexts, false);
    const empty: Program = { body: [] };
    const fn = node.program ?? empty;
    const inverse = node.inverse ?? empty;
    const inner = `${pad}  `;
    const n = ++this.counter;
    const branches = (cond: string, yes: string, no: string, at = pad) =>
      yes ? `${at}if (${cond}) {\n${yes}${at}}${no ? ` else {\n${no}${at}}` : ""}\n` : no ? `${at}if (!(${cond})) {\n${no}${at}}\n` : "";
    switch (path.original) {
      case "if":
        return branches(truthy(value), this.program(fn, contexts, inner), this.program(inverse, contexts, inner));
      case "unless":
        return branches(truthy(value), this.program(inverse, contexts, inner), this.program(fn, contexts, inner));
      case "with": {
        const c = `c${n}`;
        return `${pad}{\n${inner}const ${c} = ${value};\n${branches(nonEmpty(c), this.program(fn, [...contexts, c], `${inner}  `), this.program(inverse, contexts, `${inner}  `), inner)}${pad}}\n`;
      }
      default: {
        const [a, i, c] = [`a${n}`, `i${n}`, `c${n}`];
        const inverseCode = this.program(inverse, contexts, `${inner}  `);
        return `${pad}{\n${inner}let ${a} = ${value};\n${inner}if (!Array.isArray(${a})) ${a} = rt.items(${a});\n${inner}for (let ${i} = 0; ${i} < ${a}.length; ${i}++) {\n${inner}  const ${c} = ${a}[${i}];\n${inner}  if (${c} === undefined && !(${i} in ${a})) continue;\n${this.program(fn, [...contexts, c], `${inner}  `)}${inner}}\n${inverseCode ? `${inner}if (${a}.length === 0) {\n${inverseCode}${inner}}\n` : ""}${pad}}\n`;
      }
    }
  }

  private partial(node: Node, contexts: string[]): string {
    const name = this.asPath(node.name, node);
    if (name.depth > 0 || name.parts.length !== 1 || !this.options.partials.includes(name.original)) this.fail(node, `the partial ${JSON.stringify(name.original)}`);
    const params = node.params ?? [];
    if (params.length > 1) this.fail(node, "a partial with more than one context");
    let context = params.length ? this.lookup(params[0]!, contexts, false) : contexts[contexts.length - 1]!;
    if (node.hash) {
      const pairs = node.hash.pairs.map((p) => `${JSON.stringify(p.key)}: ${this.lookup(p.value, contexts, false)}`);
      context = `rt.extend(${context}, { ${pairs.join(", ")} })`;
    }
    const index = Object.keys(this.options.sources).indexOf(name.original);
    const call = `t${index}(${context})`;
    return node.indent ? `rt.indent(${call}, ${JSON.stringify(node.indent)})` : call;
  }

  private asPath(node: Node | undefined, at: Node): Path {
    if (node?.type !== "PathExpression") return this.fail(at, `a ${node?.type ?? "missing"} where a name belongs`);
    const path = node as unknown as Path;
    if (path.data) this.fail(at, `the data variable ${path.original}`);
    return path;
  }

  /**
   * JS for a path's value, read as handlebars' lookupProperty does: a property a value only
   * inherits (a string's `replace`, an array's `entries`) reads as undefined. `strict`: a
   * missing last name throws (strict mode, mustaches only). Each read is inline (one shape
   * per site: fast); only a null, missing or inherited value calls the runtime's check, and
   * only a name in INHERITED or a function value pays for the own-property test.
   */
  private lookup(node: Node, contexts: string[], strict: boolean): string {
    const path = this.asPath(node, node);
    if (path.depth >= contexts.length) this.fail(node, `${path.original} (above the template's context)`);
    const root = contexts[contexts.length - 1 - path.depth]!;
    if (path.parts.length === 0) return root;
    const last = path.parts.length - 1;
    const keyOf = (i: number) => JSON.stringify([root, ...path.parts.slice(0, i + 1)]);
    const scope = this.scopes[this.scopes.length - 1]!;
    // Start after the longest prefix already kept (the whole path when it serves this read).
    let parent = root;
    let start = 0;
    for (let i = last; i >= 0; i--) {
      const known = scope.get(keyOf(i));
      if (known === undefined || (i === last && strict && !known.strict)) continue;
      if (i === last) return known.name;
      parent = known.name;
      start = i + 1;
      break;
    }
    const steps: string[] = [];
    for (let i = start; i <= last; i++) {
      const key = keyOf(i);
      if (this.reused === null) this.reads.set(key, (this.reads.get(key) ?? 0) + 1);
      const keep = this.reused?.has(key) === true;
      const t = keep ? `k${this.kept++}` : `v${i}`;
      const name = JSON.stringify(path.parts[i]!);
      const isStrict = strict && i === last;
      // Only a name some built-in prototype has, or a function value, can be inherited (views are data): the rest needs no own().
      const owned = INHERITED.has(path.parts[i]!) ? `own(${parent}, ${name})` : `(typeof ${t} !== "function" || own(${parent}, ${name}))`;
      steps.push(isStrict
        ? `${t} = (${t} = ${parent}[${name}]) != null && typeof ${parent} === "object" && ${owned} ? ${t} : rt.strict(${parent}, ${name})`
        : `${t} = (${t} = ${parent}[${name}]) == null || ${owned} ? ${t} : undefined`);
      if (keep) scope.set(key, { name: t, strict: isStrict });
      parent = t;
    }
    this.temps = Math.max(this.temps, last + 1);
    return `(${steps.join(", ")})`;
  }
}

type Parse = (source: string) => Program;

/** The set as the source of a CommonJS module exporting its TemplateFactory (what the build writes). */
export function compileTemplateSet(options: CompileOptions): string {
  const parse = (createRequire(import.meta.url)("handlebars") as { parse: Parse }).parse;
  const names = Object.keys(options.sources);
  const functions = names.map((name, index) => Generator.template(name, parse(options.sources[name]!), options, index));
  const table = names.map((name, index) => `${JSON.stringify(name)}: t${index}`).join(", ");
  const helpers = Object.keys(options.helpers).map((name, index) => `  const h${index} = h[${JSON.stringify(name)}];\n`).join("");
  return `"use strict";\n// Generated by compiler/template-compiler.ts from the templates: do not edit.\nmodule.exports = function (rt, h) {\n  const own = Object.hasOwn;\n  const possible = rt.possible;\n${helpers}${functions.join("")}  return { ${table} };\n};\n`;
}

/** The set compiled and evaluated in this process (running from the sources: tests, development). */
export function compileTemplateFactory(options: CompileOptions): TemplateFactory {
  const module = { exports: undefined as unknown };
  new Function("module", compileTemplateSet(options))(module);
  return module.exports as TemplateFactory;
}
