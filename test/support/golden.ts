// Golden files for uvu (which has no file snapshots), on the same mechanism as
// `meshc snapshot`: UPDATE_SNAPSHOTS=1 rewrites the folder and prunes orphans; otherwise a
// missing, changed or orphaned file is a problem, printed with a diff.
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compareSnapshot, formatSnapshotProblems, SNAPSHOT_MANIFEST, updateSnapshot } from "../../compiler/snapshot.ts";

export const SNAPSHOT_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "snapshots");

/** Compares `files` with `snapshots/<folder>/`; returns the problems (empty = match). */
export function compareGolden(folder: string, files: ReadonlyMap<string, string> | Record<string, string>): string[] {
  const entries = new Map(files instanceof Map ? files : Object.entries(files));
  const dir = join(SNAPSHOT_ROOT, folder);
  if (process.env.UPDATE_SNAPSHOTS === "1") {
    // These folders are the repository's own goldens (written before snapshots had a
    // manifest): the test owns them, so it clears one before rewriting it.
    rmSync(dir, { recursive: true, force: true });
    const refused = updateSnapshot(dir, entries);
    rmSync(join(dir, SNAPSHOT_MANIFEST), { force: true }); // no use here (the folder is cleared first); keeps snapshots/ as it was
    return refused.map((d) => `${d.code} ${d.message}`);
  }
  return compareSnapshot(dir, entries).map((p) => formatSnapshotProblems(folder, [p]));
}
