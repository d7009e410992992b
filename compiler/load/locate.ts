// Resolving a JSON path to the nearest position the user wrote: if `routes[2].retries.on[1]`
// has no position (a spread, a computed value), its closest ancestor that has one is used.
import type { Locator, PathSegment, Position } from "./types.ts";

export function nearestLocator(exact: (path: readonly PathSegment[]) => Position | null): Locator {
  return (path) => {
    for (let n = path.length; n >= 0; n--) {
      const found = exact(path.slice(0, n));
      if (found) return found;
    }
    return null;
  };
}

export function formatPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

export function parsePath(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  const re = /([A-Za-z_$][\w$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  for (const m of path.matchAll(re)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(JSON.parse(m[3]!) as string);
  }
  return out;
}
