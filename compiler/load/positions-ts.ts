// Positions in mesh.config.ts, from the object literal the default export is built from
// (`export default defineMesh({...})`, or a const it names). Only the parser of the
// TypeScript API is used (no program, no type-check), so it costs milliseconds, and it is
// loaded only when there is a diagnostic to place, without the rest of ts-morph
// (typescript-parser.ts).
// A mesh composed of team modules is followed across files: `modules: [payments]` leads
// through `import payments from "./teams/payments/module.ts"` to that file's
// `defineModule({...})`, and a service handle in `services: [ledger]` to its
// `service("ledger", {...})` call, so a diagnostic lands in the file its team owns.
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { PathSegment, Position } from "./types.ts";
import { formatPath, nearestLocator } from "./locate.ts";
import { typescriptApi, type TS } from "./typescript-parser.ts";

type Node = import("ts-morph").ts.Node;
type SourceFile = import("ts-morph").ts.SourceFile;
/** A node and the file it is in. */
interface At { readonly sf: SourceFile; readonly node: Node }

/** DSL calls whose value is their argument: `defineMesh(x)`, `route(x)`; and those whose value is their second (`service("name", x)`). */
const FIRST_ARGUMENT = new Set(["defineMesh", "defineModule", "route", "allow", "deny", "gatewayRoute"]);
const NAMED = new Set(["service", "gateway", "egress", "jwtProvider"]);
/** `allow({...})` returns `{ allow: {...} }`: the path's `allow` segment is the call itself. */
const WRAPPING = new Set(["allow", "deny"]);

export async function typescriptLocator(fileName: string, text: string) {
  const ts = typescriptApi();
  const files = new Map<string, SourceFile | null>();
  const parse = (path: string, source?: string): SourceFile | null => {
    if (!files.has(path)) {
      const body = source ?? (existsSync(path) ? readFileSync(path, "utf8") : null);
      files.set(path, body === null ? null : ts.createSourceFile(path, body, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS));
    }
    return files.get(path)!;
  };
  const sf = parse(resolve(fileName), text)!;
  const r = new Resolver(ts, parse);
  const root = r.defaultExport(sf);
  const rootFile = resolve(fileName);
  return nearestLocator((path: readonly PathSegment[]) => {
    // The mesh object itself (`defineMesh({` ... its `{`), as before modules.
    let at: At | undefined = root && (r.argumentOf(root) ?? r.value(root));
    let key: At | undefined;
    for (const seg of path) {
      key = undefined;
      if (!at) return null;
      const next = r.step(at, seg);
      if (!next) return null;
      ({ at, key } = next);
    }
    const target = key ?? at;
    if (!target) return null;
    const { line, character } = target.sf.getLineAndCharacterOfPosition(target.node.getStart(target.sf));
    const pos: Position = { line: line + 1, column: character + 1 };
    return target.sf.fileName === rootFile ? pos : { ...pos, file: target.sf.fileName };
  });
}

class Resolver {
  constructor(private readonly ts: TS, private readonly parse: (path: string) => SourceFile | null) {}

  // Each object's properties by name, built on first visit: a 10,000-service config has
  // objects with 10,000 keys, and a scan per diagnostic made placement quadratic.
  private readonly indexes = new WeakMap<Node, Map<string, import("ts-morph").ts.ObjectLiteralElementLike>>();
  private propertyNamed(obj: import("ts-morph").ts.ObjectLiteralExpression, name: string) {
    let index = this.indexes.get(obj);
    if (!index) {
      index = new Map();
      for (const p of obj.properties) {
        const key = p.name ? propertyName(this.ts, p.name) : null;
        if (key !== null && !index.has(key)) index.set(key, p);
      }
      this.indexes.set(obj, index);
    }
    return index.get(name);
  }

  /** One segment down: the property's value (and its key, where a diagnostic points), an element, or a named handle. */
  step(at: At, seg: PathSegment): { at: At | undefined; key?: At } | null {
    const { ts } = this;
    const { sf, node } = at;
    if (ts.isCallExpression(node) && WRAPPING.has(calleeName(ts, node) ?? "") && seg === calleeName(ts, node)) {
      return { at: this.value({ sf, node: node.arguments[0]! }) };
    }
    const inner = this.argumentOf(at) ?? at;
    if (ts.isObjectLiteralExpression(inner.node)) {
      const prop = this.propertyNamed(inner.node, String(seg));
      if (prop) {
        const value = ts.isPropertyAssignment(prop) ? prop.initializer : ts.isShorthandPropertyAssignment(prop) ? prop.name : prop;
        return { at: this.value({ sf: inner.sf, node: value }), key: { sf: inner.sf, node: prop.name! } };
      }
      if (typeof seg === "string") return this.named(inner.sf, inner.node.properties.map((p) => (ts.isPropertyAssignment(p) ? p.initializer : ts.isShorthandPropertyAssignment(p) ? p.name : p)), seg);
      return null;
    }
    if (ts.isArrayLiteralExpression(inner.node)) {
      if (typeof seg === "number") {
        const element = inner.node.elements[seg];
        // The element itself is where it is written (a handle's declaration may be in another file).
        return element ? { at: this.value({ sf: inner.sf, node: element }), key: { sf: inner.sf, node: element } } : null;
      }
      return this.named(inner.sf, [...inner.node.elements], seg);
    }
    return null;
  }

  /** Among handles (`[ledger, payouts]`), the one declared as `service("<name>", ...)`. */
  private named(sf: SourceFile, nodes: readonly Node[], name: string): { at: At | undefined; key?: At } | null {
    const { ts } = this;
    for (const node of nodes) {
      const v = this.value({ sf, node });
      if (!v || !ts.isCallExpression(v.node) || !NAMED.has(calleeName(ts, v.node) ?? "")) continue;
      const first = v.node.arguments[0];
      // Its fields are in the declaration; the handle itself is where the module lists it.
      if (first && ts.isStringLiteralLike(first) && first.text === name) return { at: v, key: { sf, node } };
    }
    return null;
  }

  /** The object a DSL call stands for: its argument (or second argument, after a name). */
  argumentOf(at: At): At | undefined {
    const { ts } = this;
    if (!ts.isCallExpression(at.node)) return undefined;
    const callee = calleeName(ts, at.node);
    const arg = callee && NAMED.has(callee) ? at.node.arguments[1] : at.node.arguments[0];
    return arg ? this.value({ sf: at.sf, node: arg }) : undefined;
  }

  /** Sees through `as const`, `satisfies`, parentheses, and const references in this file or an imported one. */
  value(at: At): At | undefined {
    const { ts } = this;
    let { sf, node } = at;
    for (let i = 0; i < 20; i++) {
      if (ts.isAsExpression(node) || ts.isSatisfiesExpression(node) || ts.isParenthesizedExpression(node)) node = node.expression;
      else if (ts.isIdentifier(node)) {
        const found = this.binding(sf, node.text);
        if (!found) return undefined;
        ({ sf, node } = found);
      } else return { sf, node };
    }
    return undefined;
  }

  /** What a top-level name stands for: a const's initializer, or the export an import names. */
  private binding(sf: SourceFile, name: string): At | undefined {
    const { ts } = this;
    for (const st of sf.statements) {
      if (ts.isVariableStatement(st)) {
        for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name) && d.name.text === name && d.initializer) return { sf, node: d.initializer };
      } else if (ts.isImportDeclaration(st) && st.importClause && ts.isStringLiteral(st.moduleSpecifier)) {
        const clause = st.importClause;
        const target = () => this.module(sf, (st.moduleSpecifier as import("ts-morph").ts.StringLiteral).text);
        if (clause.name?.text === name) { const m = target(); return m ? this.defaultExport(m) : undefined; }
        if (clause.namedBindings && ts.isNamedImports(clause.namedBindings)) {
          const spec = clause.namedBindings.elements.find((e) => e.name.text === name);
          if (spec) { const m = target(); return m ? this.exported(m, (spec.propertyName ?? spec.name).text) : undefined; }
        }
      }
    }
    return undefined;
  }

  private exported(sf: SourceFile, name: string): At | undefined {
    if (name === "default") return this.defaultExport(sf);
    const { ts } = this;
    for (const st of sf.statements) {
      if (ts.isExportDeclaration(st) && st.exportClause && ts.isNamedExports(st.exportClause)) {
        const spec = st.exportClause.elements.find((e) => e.name.text === name);
        if (!spec) continue;
        const local = (spec.propertyName ?? spec.name).text;
        const from = st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier) ? this.module(sf, st.moduleSpecifier.text) : sf;
        return from ? (from === sf ? this.binding(sf, local) : this.exported(from, local)) : undefined;
      }
    }
    return this.binding(sf, name);
  }

  defaultExport(sf: SourceFile): At | undefined {
    const { ts } = this;
    for (const st of sf.statements) {
      if (ts.isExportAssignment(st) && !st.isExportEquals) return this.value({ sf, node: st.expression }) ?? { sf, node: st.expression };
    }
    return undefined;
  }

  /** A relative import, as esbuild and tsc resolve it: `./x.ts`, `./x.js` (for x.ts), `./x`, `./x/index.ts`. */
  private module(from: SourceFile, specifier: string): SourceFile | null {
    if (!specifier.startsWith(".")) return null;
    const base = resolve(dirname(from.fileName), specifier);
    const stem = base.replace(/\.(m?js)$/, "");
    for (const candidate of [base, `${stem}.ts`, `${stem}.mts`, `${base}/index.ts`]) {
      if (/\.m?ts$/.test(candidate) && existsSync(candidate)) return this.parse(candidate);
    }
    return null;
  }
}

function calleeName(ts: TS, call: import("ts-morph").ts.CallExpression): string | null {
  const e = call.expression;
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  return null;
}

function propertyName(ts: TS, name: import("ts-morph").ts.PropertyName): string | null {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  return null;
}

/** Sees through `as const`, `satisfies`, parentheses and same-file const references. */
function unwrap(ts: TS, sf: import("ts-morph").ts.SourceFile, node: Node): Node | undefined {
  for (let i = 0; i < 10; i++) {
    if (ts.isAsExpression(node) || ts.isSatisfiesExpression(node) || ts.isParenthesizedExpression(node)) node = node.expression;
    else if (ts.isIdentifier(node)) {
      const decl = findConst(ts, sf, node.text);
      if (!decl) return undefined;
      node = decl;
    } else return node;
  }
  return node;
}

function findConst(ts: TS, sf: import("ts-morph").ts.SourceFile, name: string): Node | undefined {
  for (const st of sf.statements) {
    if (!ts.isVariableStatement(st)) continue;
    for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name) && d.name.text === name) return d.initializer;
  }
  return undefined;
}

function findDefaultExport(ts: TS, sf: import("ts-morph").ts.SourceFile): Node | undefined {
  for (const st of sf.statements) {
    if (ts.isExportAssignment(st) && !st.isExportEquals) {
      let expr: Node = st.expression;
      const un = unwrap(ts, sf, expr);
      if (un) expr = un;
      if (ts.isCallExpression(expr) && expr.arguments.length > 0) return expr.arguments[0];
      return expr;
    }
  }
  return undefined;
}

/**
 * The inverse of the locator: the JSON path of the value written at a 1-based line and
 * column of mesh.config.ts (a property's key or anything inside its value; an array
 * element), following same-file consts as the locator does. "" for the mesh object itself;
 * null outside it. Type errors get paths this way, so one mistake is matched by path.
 */
export async function typescriptPathFinder(fileName: string, text: string): Promise<(line: number, column: number) => string | null> {
  const ts = typescriptApi();
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const root = findDefaultExport(ts, sf);
  return (line, column) => {
    if (line < 1 || line > sf.getLineStarts().length) return null;
    const pos = sf.getPositionOfLineAndCharacter(line - 1, column - 1);
    const inside = (node: Node) => pos >= node.getStart(sf) && pos < node.getEnd();
    // The path of `pos` inside `node` (the value at `path`), or null if `pos` is not in it.
    const find = (node: Node | undefined, path: PathSegment[], depth: number): PathSegment[] | null => {
      if (!node || depth > 64) return null;
      const value = unwrap(ts, sf, node);
      if (!inside(node) && !(value && value !== node && inside(value))) return null;
      if (!value || !inside(value)) return path;
      if (ts.isObjectLiteralExpression(value)) {
        for (const prop of value.properties) {
          const name = prop.name ? propertyName(ts, prop.name) : null;
          if (name === null) continue;
          if (inside(prop.name!)) return [...path, name];
          const init = ts.isPropertyAssignment(prop) ? prop.initializer : ts.isShorthandPropertyAssignment(prop) ? prop.name : undefined;
          const found = find(init, [...path, name], depth + 1);
          if (found) return found;
        }
      } else if (ts.isArrayLiteralExpression(value)) {
        for (const [i, element] of value.elements.entries()) {
          const found = find(element, [...path, i], depth + 1);
          if (found) return found;
        }
      }
      return path;
    };
    const found = find(root, [], 0);
    return found === null ? null : formatPath(found);
  };
}
