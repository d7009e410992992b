// Snapshots: a bundle compared with a golden copy on disk. Used by `meshc snapshot` and by
// the project's own golden tests. Verify mode reports missing, changed (with a diff) and
// orphaned files; update mode rewrites the folder through the bundle writer, with a manifest
// of its own (.meshc-snapshot.json, paths and sha256, no version) so that a later update
// removes only files an earlier update wrote, never an unrelated folder that has the name.
import { existsSync, lstatSync, readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { createTwoFilesPatch } from "diff";
import { checkOutDir, writeBundle } from "./bundle.ts";
import { sha256 } from "./bundle-lock.ts";
import type { Diagnostic } from "./diagnostics/types.ts";
import { toJson } from "./serialize.ts";

/** The snapshot's own lock: which files `--update` wrote, so the next one may replace them. */
export const SNAPSHOT_MANIFEST = ".meshc-snapshot.json";

export interface SnapshotProblem {
  readonly kind: "missing" | "changed" | "orphaned";
  readonly path: string;
  /** Unified diff for changed files. */
  readonly patch: string | null;
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (lstatSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p).split(sep).join("/"));
    }
  };
  walk(dir);
  return out.filter((p) => p !== SNAPSHOT_MANIFEST);
}

export function compareSnapshot(dir: string, files: ReadonlyMap<string, string>): SnapshotProblem[] {
  const problems: SnapshotProblem[] = [];
  const existing = new Set(listFiles(dir));
  for (const [path, content] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!existing.has(path)) { problems.push({ kind: "missing", path, patch: null }); continue; }
    const golden = readFileSync(join(dir, path), "utf8");
    if (golden !== content) problems.push({ kind: "changed", path, patch: createTwoFilesPatch(`snapshot/${path}`, `compiled/${path}`, golden, content, "", "", { context: 2 }) });
  }
  for (const path of existing) if (!files.has(path)) problems.push({ kind: "orphaned", path, patch: null });
  return problems;
}

/**
 * Rewrites `dir` with `files`, through the same guards as `compile`: a folder with files and
 * no manifest of ours is refused (MESH4001), a forged manifest too (MESH4006), and the swap
 * is atomic. `protectedDirs` are never written (the project root).
 */
export function updateSnapshot(dir: string, files: ReadonlyMap<string, string>, protectedDirs: readonly string[] = []): Diagnostic[] {
  const sorted = [...files].sort(([a], [b]) => (a < b ? -1 : 1));
  const manifest = toJson({ files: sorted.map(([path, content]) => ({ path, sha256: sha256(content) })) });
  const refused = checkOutDir(dir, protectedDirs, false, SNAPSHOT_MANIFEST);
  if (refused.length > 0) {
    const hint = `meshc snapshot --update only replaces a folder it wrote (one with ${SNAPSHOT_MANIFEST}); choose another --dir or --name, or move this folder yourself`;
    return refused.map((d) => (d.code === "MESH4001" ? { ...d, hint } : d));
  }
  return writeBundle(dir, [...sorted.map(([path, content]) => ({ path, content })), { path: SNAPSHOT_MANIFEST, content: manifest }], { ownerFile: SNAPSHOT_MANIFEST });
}

export function formatSnapshotProblems(name: string, problems: readonly SnapshotProblem[]): string {
  return problems.map((p) => p.kind === "changed" ? `changed ${name}/${p.path}\n${p.patch}` : `${p.kind} ${name}/${p.path}\n`).join("");
}
