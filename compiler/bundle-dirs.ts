// Watch mode's check that the bundle folder holds nothing meshc did not write, without
// walking its thousands of files at every save. After each write the folders of the bundle
// are recorded (inode, change time); at the next save a folder whose record still holds is
// unchanged, since adding, removing or renaming an entry updates its folder's times. A
// folder changed since, or changed less than a clock tick before it was recorded (a change in
// the same tick as the record would leave the same time), is listed again: every entry must
// be one of the files or folders the last lock implies, of the right kind. The folders a save
// wrote are such folders; `settleDirs`, run once the save is done, lists them off the next
// save's path and trusts their times from then on.
import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** The bundle's folders (relative, "" for the root) and what each held when recorded. */
export interface DirSnapshot {
  readonly dirs: Map<string, { readonly ino: bigint; readonly ctimeNs: bigint; readonly mtimeNs: bigint; readonly recheck: boolean }>;
  /** Per folder, its files and its sub-folders by name. */
  readonly children: ReadonlyMap<string, { readonly files: ReadonlySet<string>; readonly dirs: ReadonlySet<string> }>;
}

/** Longer than a file-system clock tick (the kernel's coarse clock: 1-10 ms), with a margin. */
const TICK_NS = 50_000_000n;
/**
 * A folder whose time has no sub-millisecond part sits on a file system with coarse times
 * (whole seconds on some network and older file systems, two on FAT): a change within the
 * same second would leave the same time, so such a folder is trusted only once its time is
 * older than that.
 */
const COARSE_TICK_NS = 2_500_000_000n;

/** The tick to wait for before a folder's (or the lock's: bundle-update.ts) time can vouch for it. */
export function tickOf(latest: bigint): bigint {
  return latest % 1_000_000n === 0n ? COARSE_TICK_NS : TICK_NS;
}

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
      dirs.set(dir, { ino: s.ino, ctimeNs: s.ctimeNs, mtimeNs: s.mtimeNs, recheck: latest > now - tickOf(latest) });
    }
  } catch {
    return null;
  }
  return { dirs, children: kids };
}

/** Whether `dir` holds only the entries `snapshot` implies, each of its kind. */
function listedOwn(out: string, dir: string, snapshot: DirSnapshot): boolean {
  const known = snapshot.children.get(dir)!;
  for (const e of readdirSync(join(out, dir), { withFileTypes: true })) {
    if (e.isDirectory() ? !known.dirs.has(e.name) : !known.files.has(e.name)) return false;
  }
  return true;
}

/** Whether the folder still holds only what `snapshot` implies (listing only the folders that may have changed). */
export function onlyOwnEntries(out: string, snapshot: DirSnapshot): boolean {
  try {
    for (const [dir, was] of snapshot.dirs) {
      const s = lstatSync(join(out, dir), { bigint: true });
      if (!s.isDirectory() || s.ino !== was.ino) return false;
      if (!was.recheck && s.mtimeNs === was.mtimeNs && s.ctimeNs === was.ctimeNs) continue;
      if (!listedOwn(out, dir, snapshot)) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * Off the save's path (watch mode runs it once a save is written): each folder still to be
 * listed whose last change is older than a clock tick is listed now; when it holds only
 * meshc's entries and did not change while being listed, its times vouch for it from then
 * on. A folder that fails stays to be listed, and the next save's check finds it.
 */
export function settleDirs(out: string, snapshot: DirSnapshot): void {
  const now = BigInt(Date.now()) * 1_000_000n;
  for (const [dir, was] of snapshot.dirs) {
    if (!was.recheck) continue;
    try {
      const before = lstatSync(join(out, dir), { bigint: true });
      const latest = before.ctimeNs > before.mtimeNs ? before.ctimeNs : before.mtimeNs;
      if (!before.isDirectory() || before.ino !== was.ino || latest > now - tickOf(latest) || !listedOwn(out, dir, snapshot)) continue;
      const after = lstatSync(join(out, dir), { bigint: true });
      if (after.mtimeNs !== before.mtimeNs || after.ctimeNs !== before.ctimeNs) continue;
      snapshot.dirs.set(dir, { ino: after.ino, ctimeNs: after.ctimeNs, mtimeNs: after.mtimeNs, recheck: false });
    } catch {
      // Gone or unreadable: left to be listed, and the next save's check fails on it.
    }
  }
}
