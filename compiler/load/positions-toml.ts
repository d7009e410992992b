// @iarna/toml keeps no positions, so a path is located by scanning for the table header
// or `key =` line of its deepest named segment, after the line of its parent. Good enough
// to land on the right line in hand-written TOML; falls back to the nearest ancestor.
import type { PathSegment, Position } from "./types.ts";
import { nearestLocator } from "./locate.ts";

export function tomlLocator(text: string) {
  const lines = text.split(/\r?\n/);
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return nearestLocator((path: readonly PathSegment[]) => {
    let from = 0;
    let found: Position | null = path.length === 0 ? { line: 1, column: 1 } : null;
    for (const seg of path) {
      if (typeof seg === "number") continue;
      const key = new RegExp(`^\\s*(?:\\[\\[?[^\\]]*\\b|)(?:"${escape(seg)}"|${escape(seg)})\\s*(=|\\]|\\.)`);
      let hit = -1;
      for (let i = from; i < lines.length; i++) if (key.test(lines[i]!)) { hit = i; break; }
      if (hit === -1) return found;
      const col = lines[hit]!.indexOf(seg) + 1;
      found = { line: hit + 1, column: col > 0 ? col : 1 };
      from = hit;
    }
    return found;
  });
}
