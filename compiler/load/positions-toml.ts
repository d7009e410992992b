// @iarna/toml keeps no positions, so a path is located in the text: a table or array-of-tables
// header is matched by its whole dotted name (`[[routes]]` is not `[[gateways.edge.routes]]`),
// the n-th element of an array of tables by the n-th such header, and a key by its `key =`
// line after its parent's line. Good enough to land on the right line in hand-written TOML;
// falls back to the nearest ancestor.
import type { PathSegment, Position } from "./types.ts";
import { nearestLocator } from "./locate.ts";

const HEADER = /^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?/;
const unquote = (name: string) => name.split(".").map((p) => p.trim().replace(/^"(.*)"$/, "$1")).join(".");

export function tomlLocator(text: string) {
  const lines = text.split(/\r?\n/);
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const headers = lines.map((l) => {
    const m = HEADER.exec(l);
    return m ? { array: m[1] === "[[", name: unquote(m[2]!) } : null;
  });
  return nearestLocator((path: readonly PathSegment[]) => {
    let from = 0;
    let found: Position | null = path.length === 0 ? { line: 1, column: 1 } : null;
    const names: string[] = [];
    let inHeader = true; // still on the path spelled by table headers
    for (const [i, seg] of path.entries()) {
      if (typeof seg === "number") {
        // The n-th `[[a.b]]` header is element n of array a.b.
        const dotted = names.join(".");
        if (!inHeader) continue;
        let seen = -1;
        let hit = -1;
        for (let j = 0; j < lines.length; j++) if (headers[j]?.array && headers[j]!.name === dotted && ++seen === seg) { hit = j; break; }
        if (hit === -1) { inHeader = false; continue; }
        found = { line: hit + 1, column: 1 };
        from = hit;
        continue;
      }
      names.push(seg);
      const dotted = names.join(".");
      let hit = -1;
      if (inHeader && !path.slice(0, i).some((s) => typeof s === "number")) {
        for (let j = 0; j < lines.length; j++) {
          const h = headers[j];
          if (h && (h.name === dotted || h.name.startsWith(dotted + "."))) { hit = j; break; }
        }
      }
      if (hit === -1) {
        const key = new RegExp(`(?:^|[{,\\s])(?:"${escape(seg)}"|${escape(seg)})\\s*=`);
        // A key of the current table: after the parent's line, before the next header.
        for (let j = from; j < lines.length; j++) {
          if (j > from && headers[j] && inHeader) break;
          if (key.test(lines[j]!)) { hit = j; break; }
        }
        if (hit === -1) return found;
        inHeader = false;
      }
      // The key itself on its line (`port` in `ports = { http = { port = 80 } }`), else where the name first appears.
      const keyAt = new RegExp(`(?:^|[{,\\s])("${escape(seg)}"|${escape(seg)})\\s*=`).exec(lines[hit]!);
      const col = keyAt ? keyAt.index + keyAt[0].indexOf(keyAt[1]!) + 1 : lines[hit]!.indexOf(seg) + 1;
      found = { line: hit + 1, column: col > 0 ? col : 1 };
      from = hit;
    }
    return found;
  });
}
