// Watch mode's check that the bundle folder holds nothing meshc did not write, without
// walking its thousands of files at every save. After each write the folders of the bundle
// are recorded (inode, change time); at the next save a folder whose record still holds is
// unchanged, since adding, removing or renaming an entry updates its folder's times. A
// folder changed since, or changed less than a second before it was recorded (a change in
// the same clock tick as the record would leave the same time), is listed again: every
// entry must be one of the files or folders the last lock implies, of the right kind.
import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** The bundle's folders (relative, "" for the root) and what each held when recorded. */
export interface DirSnapshot {
  readonly dirs: ReadonlyMap<string, { readonly ino: bigint; readonly ctimeNs: bigint; readonly mtimeNs: bigint; readonly recheck: boolean }>;
  /** Per folder, its files and its sub-folders by name. */
  readonly children: ReadonlyMap<string, { readonly files: ReadonlySet<string>; readonly dirs: ReadonlySet<string> }>;
}

const RECENT_NS = 1_000_000_000n;

/** Per folder of `paths` (the lock's files; the lock itself sits in the root), its files and sub-folders. */
function childrenOf(paths: Iterable<string>, lock: string): DirSnapshot["children"] {
  const children = new Map<string, { files: Set<string>; dirs: Set<string> }>();
  const at = (dir: string) => children.get(dir) ?? children.set(dir, { files: new Set(), dirs: new Set() }).get(dir)!;
  at("").files.add(lock);
  for (const path of paths) {
    const parts = path.split("/");
    let dir = "";
    for (let i = 0; i < parts.length - 1; i++) {
      const sub = dir === "" ? parts[i]! : `${dir}/${parts[i]}`;
      at(dir).dirs.add(parts[i]!);
      dir = sub;
    }
    at(dir).files.add(parts[parts.length - 1]!);
  }
  return children;
}

/** Records the folders of the bundle at `out` just written with `paths` (the lock aside); null when one cannot be read. */
export function snapshotDirs(out: string, paths: Iterable<string>, lock: string, children?: DirSnapshot["children"]): DirSnapshot | null {
  const kids = children ?? childrenOf(paths, lock);
  const now = BigInt(Date.now()) * 1_000_000n;
  const dirs = new Map<string, { ino: bigint; ctimeNs: bigint; mtimeNs: bigint; recheck: boolean }>();
  try {
    for (const dir of kids.keys()) {
      const s = lstatSync(join(out, dir), { bigint: true });
      if (!s.isDirectory()) return null;
      const latest = s.ctimeNs > s.mtimeNs ? s.ctimeNs : s.mtimeNs;
      dirs.set(dir, { ino: s.ino, ctimeNs: s.ctimeNs, mtimeNs: s.mtimeNs, recheck: latest > now - RECENT_NS });
    }
  } catch {
    return null;
  }
  return { dirs, children: kids };
}

/** Whether the folder still holds only what `snapshot` implies (listing only the folders that may have changed). */
export function onlyOwnEntries(out: string, snapshot: DirSnapshot): boolean {
  try {
    for (const [dir, was] of snapshot.dirs) {
      const s = lstatSync(join(out, dir), { bigint: true });
      if (!s.isDirectory() || s.ino !== was.ino) return false;
      if (!was.recheck && s.mtimeNs === was.mtimeNs && s.ctimeNs === was.ctimeNs) continue;
      const known = snapshot.children.get(dir)!;
      for (const e of readdirSync(join(out, dir), { withFileTypes: true })) {
        if (e.isDirectory() ? !known.dirs.has(e.name) : !known.files.has(e.name)) return false;
      }
    }
    return true;
  } catch {
    return false;
  }
}
