// Snapshots: a bundle compared with a golden copy on disk. Used by `meshc snapshot` and by
// the project's own golden tests. Verify mode reports missing, changed (with a diff) and
// orphaned files; update mode rewrites the folder and prunes orphans.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { createTwoFilesPatch } from "diff";

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
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p).split(sep).join("/"));
    }
  };
  walk(dir);
  return out;
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

export function updateSnapshot(dir: string, files: ReadonlyMap<string, string>): void {
  rmSync(dir, { recursive: true, force: true });
  for (const [path, content] of files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

export function formatSnapshotProblems(name: string, problems: readonly SnapshotProblem[]): string {
  return problems.map((p) => p.kind === "changed" ? `changed ${name}/${p.path}\n${p.patch}` : `${p.kind} ${name}/${p.path}\n`).join("");
}
