// Golden files for uvu (which has no file snapshots). `UPDATE_SNAPSHOTS=1` rewrites the
// folder and prunes orphans; otherwise a missing, changed or orphaned file fails with a diff.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { createTwoFilesPatch } from "diff";

export const SNAPSHOT_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "snapshots");

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p).split("\\").join("/"));
    }
  };
  walk(dir);
  return out;
}

/**
 * Compares `files` (path relative to `folder` -> content) with `snapshots/<folder>/`.
 * Returns a list of problems (empty = match); with UPDATE_SNAPSHOTS=1 rewrites instead.
 */
export function compareGolden(folder: string, files: ReadonlyMap<string, string> | Record<string, string>): string[] {
  const entries = new Map(files instanceof Map ? files : Object.entries(files));
  const dir = join(SNAPSHOT_ROOT, folder);
  if (process.env.UPDATE_SNAPSHOTS === "1") {
    rmSync(dir, { recursive: true, force: true });
    for (const [path, content] of entries) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    return [];
  }
  const problems: string[] = [];
  const existing = new Set(listFiles(dir));
  for (const [path, content] of [...entries].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!existing.has(path)) { problems.push(`missing golden file ${folder}/${path}`); continue; }
    const golden = readFileSync(join(dir, path), "utf8");
    if (golden !== content) problems.push(`changed ${folder}/${path}\n` + createTwoFilesPatch(`golden/${path}`, `actual/${path}`, golden, content, "", "", { context: 2 }));
  }
  for (const path of existing) if (!entries.has(path)) problems.push(`orphaned golden file ${folder}/${path}`);
  return problems;
}
