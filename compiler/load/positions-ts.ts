// Positions in mesh.config.ts, from the object literal the default export is built from
// (`export default defineMesh({...})`, or a const it names). Only the parser of the
// TypeScript API is used (no program, no type-check), so it costs milliseconds, and it is
// loaded only when there is a diagnostic to place.
import type { PathSegment, Position } from "./types.ts";
import { formatPath, nearestLocator } from "./locate.ts";

type TS = typeof import("ts-morph").ts;
type Node = import("ts-morph").ts.Node;

export async function typescriptLocator(fileName: string, text: string) {
  const { ts } = await import("ts-morph");
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const root = findDefaultExport(ts, sf);
  const at = (node: Node): Position => {
    const { line, character } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
    return { line: line + 1, column: character + 1 };
  };
  // Each object's properties by name, built on first visit: a 10,000-service config has
  // objects with 10,000 keys, and a scan per diagnostic made placement quadratic.
  type Prop = import("ts-morph").ts.ObjectLiteralElementLike;
  const indexes = new WeakMap<Node, Map<string, Prop>>();
  const propertiesOf = (obj: import("ts-morph").ts.ObjectLiteralExpression) => {
    let index = indexes.get(obj);
    if (!index) {
      index = new Map();
      for (const p of obj.properties) {
        const name = p.name ? propertyName(ts, p.name) : null;
        if (name !== null && !index.has(name)) index.set(name, p);
      }
      indexes.set(obj, index);
    }
    return index;
  };
  return nearestLocator((path: readonly PathSegment[]) => {
    let node: Node | undefined = root;
    let keyNode: Node | undefined;
    for (const seg of path) {
      keyNode = undefined;
      node = node && unwrap(ts, sf, node);
      if (!node) return null;
      if (ts.isObjectLiteralExpression(node)) {
        const prop = propertiesOf(node).get(String(seg));
        if (!prop) return null;
        keyNode = prop.name;
        node = ts.isPropertyAssignment(prop) ? prop.initializer : prop;
      } else if (ts.isArrayLiteralExpression(node) && typeof seg === "number") {
        node = node.elements[seg];
      } else return null;
    }
    const target = keyNode ?? node;
    return target ? at(target) : null;
  });
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
  const { ts } = await import("ts-morph");
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
