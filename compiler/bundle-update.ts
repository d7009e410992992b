// Watch mode's writer: after an edit, only the files whose bytes changed are written.
//
// Guarantees, and where they differ from `writeBundle`'s whole-folder swap:
// - a reader never sees a half-written file: each changed file is written in full in the
//   sibling staging folder (same file system) and renamed over the old one, atomically;
// - the lock is renamed in last, so while the files change the lock still describes the
//   old bundle, and a crash between two renames leaves a bundle whose lock disagrees with
//   some files: `compile --check` reports it stale and the next compile rewrites it whole.
//   A reader may see a mix of old and new files for the few milliseconds of the renames;
//   a whole-folder swap per save is what that would cost to avoid, at every save.
// - the update happens in place only when nothing but contents changed (same paths), the
//   lock on disk is byte for byte the one this process wrote last, every file to replace
//   still holds the bytes that lock names, and the folder holds no file meshc did not
//   write. Anything else (a new proxy, a removed one, a hand edit, an adopted folder) goes
//   through the staged whole-folder write with all its checks; the unchanged files are
//   then copied from the bundle, digest-checked.
import { existsSync, linkSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { onlyOwnEntries, settleDirs, snapshotDirs, tickOf, type DirSnapshot } from "./bundle-dirs.ts";
import { join, resolve } from "node:path";
import { holdsLockedBytes, sha256, type OwnedEntry } from "./bundle-lock.ts";
import { stagingFolder } from "./bundle-swap.ts";
import { listEntries, LOCK_FILE, lockFileFor, type StagedBundle } from "./bundle.ts";
import type { Diagnostic } from "./diagnostics/types.ts";
import type { FileSink } from "./emit-stream.ts";
import type { EmittedFile } from "./target.ts";

/**
 * What this process last wrote to the bundle: its lock's bytes and every file's digest. The
 * lock is kept as bytes: a save patches digests into a copy of them and writes that, so the
 * 1.4 MB lock of a 1,000-service bundle is never decoded, joined into a string or encoded again.
 */
export interface WrittenBundle {
  readonly lock: Buffer;
  readonly files: ReadonlyMap<string, string>;
  /** Its folders as written (bundle-dirs.ts): the next update lists only those that changed; absent, it walks the folder. */
  readonly dirs?: DirSnapshot | null;
  /** Where the lock's digests are (made on the first patch, kept while the paths stay). */
  lockIndex?: LockIndex | null;
  /**
   * The emit memo's file lists (emit-stream.ts, one per emit unit) that partition `files`
   * exactly, paths and digests: a save that keeps such a list (the very array) keeps its
   * files without a record per file. Absent or null: unknown, each kept file is recorded.
   */
  units?: Set<readonly OwnedEntry[]> | null;
  /**
   * The lock file's identity and times once read back equal to `lock` after they were older
   * than a clock tick (settleWritten): while they stay the same, its bytes are (a write moves
   * the change time past it, and no call sets that time back), so a save need not read the
   * 1.4 MB lock again. Null: read it.
   */
  lockStat?: LockStat | null;
}

interface LockStat { readonly ino: bigint; readonly size: bigint; readonly mtimeNs: bigint; readonly ctimeNs: bigint }

const sameStat = (a: LockStat, b: LockStat) => a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;

/** The lock's stat when the file holds `lock` and its times are older than a tick (bundle-dirs.ts's rule); null otherwise. */
function vouchedLock(out: string, lock: Buffer): LockStat | null {
  try {
    const path = join(out, LOCK_FILE);
    const before = lstatSync(path, { bigint: true });
    const latest = before.ctimeNs > before.mtimeNs ? before.ctimeNs : before.mtimeNs;
    if (!before.isFile() || latest > BigInt(Date.now()) * 1_000_000n - tickOf(latest)) return null;
    if (!readFileSync(path).equals(lock)) return null;
    const after = lstatSync(path, { bigint: true });
    return sameStat(before, after) ? { ino: after.ino, size: after.size, mtimeNs: after.mtimeNs, ctimeNs: after.ctimeNs } : null;
  } catch {
    return null;
  }
}

/** Whether the lock on disk is byte for byte `written.lock`: by its vouched stat when it has one, else by reading it. */
function holdsWrittenLock(out: string, written: WrittenBundle): boolean {
  try {
    const path = join(out, LOCK_FILE);
    if (written.lockStat) {
      const s = lstatSync(path, { bigint: true });
      if (s.isFile() && sameStat(s, written.lockStat)) return true;
    }
    // Bytes against bytes: decoding the 1.4 MB lock of a 1,000-service bundle at every save is wasted.
    return readFileSync(path).equals(written.lock);
  } catch {
    return false;
  }
}

/**
 * `files` and the lock as written by a whole compile (watch mode's first run, or a save that
 * could not update in place), with the memo's lists of them (`FileSink.remember`) when those
 * partition `files` exactly, so the next save keeps them whole.
 */
export function writtenWhole(out: string, lock: Buffer, files: ReadonlyMap<string, string>, lists: readonly (readonly OwnedEntry[])[]): WrittenBundle {
  const written = writtenBundle(out, lock, files);
  written.units = partition(files, [], lists);
  return written;
}

/**
 * Off the save's path (watch mode runs it once a save is written): lists the folders still to
 * be listed (bundle-dirs.ts) and finds the lock's digests, so the next save patches the lock
 * without searching its 1.4 MB first.
 */
export function settleWritten(out: string, written: WrittenBundle): void {
  rmSync(updateFolder(out), { recursive: true, force: true });
  if (written.dirs) settleDirs(out, written.dirs);
  if (written.lockIndex === undefined) written.lockIndex = indexLock(written.lock);
  if (written.lockStat === undefined) written.lockStat = vouchedLock(out, written.lock);
}

/** `files` and the lock as written into `out`, with its folders recorded. */
export function writtenBundle(out: string, lock: Buffer, files: ReadonlyMap<string, string>, children?: DirSnapshot["children"]): WrittenBundle {
  return { lock, files, dirs: snapshotDirs(out, files.keys(), LOCK_FILE, children) };
}

/** Past this many changed files, the lock is written anew rather than patched. */
const PATCH_LIMIT = 64;

/** Where each digest sits in a lock's text: the same for every lock with the same paths (digests have one width). */
export interface LockIndex { readonly input: number; readonly files: ReadonlyMap<string, number> }

/**
 * Finds every digest of `bytes` (toJson's layout, bundle.ts lockFileFor); null when the text
 * is not laid out so, or holds a character that is not ASCII (then a character's offset in
 * the text is not its offset in the bytes).
 */
function indexLock(bytes: Buffer): LockIndex | null {
  const lock = bytes.toString("latin1");
  if (/[^\x00-\x7f]/.test(lock)) return null;
  const input = lock.lastIndexOf('\n  "input": {\n    "sha256": "');
  if (input < 0) return null;
  const files = new Map<string, number>();
  const entry = /\n {6}"path": ("(?:[^"\\]|\\.)*"),\n {6}"sha256": "/g;
  for (let m = entry.exec(lock); m !== null; m = entry.exec(lock)) files.set(JSON.parse(m[1]!) as string, m.index + m[0].length);
  return { input: input + '\n  "input": {\n    "sha256": "'.length, files };
}

/**
 * The lock `lockFileFor` would write, made from the previous one when only digests changed
 * (same paths): each digest has a fixed width and a known place, so the new bytes are a copy
 * of the old ones with those digits replaced (the lock of a 1,000-service bundle is 1.4 MB).
 * Null when an entry is not where the index says.
 */
function patchLock(previous: Buffer, index: LockIndex, inputDigest: string, changes: readonly [string, string][]): Buffer | null {
  if (changes.length > PATCH_LIMIT) return null;
  const edits: [number, string][] = [[index.input, inputDigest]];
  for (const [path, digest] of changes) {
    const at = index.files.get(path);
    if (at === undefined) return null;
    edits.push([at, digest]);
  }
  edits.sort((a, b) => a[0] - b[0]);
  const bytes = Buffer.from(previous);
  let from = 0;
  for (const [at, digest] of edits) {
    // A path given twice (an emitter's bug) is one edit too many: the lock is made anew from the entries.
    if (at < from || !/^[0-9a-f]{64}$/.test(digest) || !/^[0-9a-f]{64}"/.test(previous.toString("latin1", at, at + 65))) return null;
    bytes.write(digest, at, "latin1");
    from = at + 64;
  }
  return bytes;
}

export interface BundleUpdate extends FileSink {
  /**
   * Writes the run's changes. `full` opens the staged whole-folder write (with its refusals)
   * for when an in-place update is not allowed. Returns what is now on disk, or why nothing
   * was written; `retry` when an unchanged file is no longer on disk as written (the caller
   * compiles again from scratch).
   */
  commit(inputDigest: string, full: () => StagedBundle | Diagnostic[]): { written: WrittenBundle | null; diagnostics: Diagnostic[]; changed: number; retry: boolean };
}

/** Whether the folder is exactly what `previous` says this process wrote, so files may be replaced one by one. */
function inPlaceAllowed(out: string, previous: WrittenBundle, changed: readonly EmittedFile[], samePaths: boolean): boolean {
  if (!samePaths) return false;
  if (!holdsWrittenLock(out, previous)) return false;
  if (!changed.every((f) => holdsLockedBytes(out, { path: f.path, sha256: previous.files.get(f.path)! }))) return false;
  // Foreign files (an adopted folder, a key dropped in by hand) need the full write's checks.
  if (previous.dirs) return onlyOwnEntries(out, previous.dirs);
  return listEntries(out).every((e) => e === LOCK_FILE || previous.files.has(e));
}

/**
 * Where an in-place update stages its files and leaves the ones it replaced (the staging
 * folder's name with `-old`, so a run that dies leaves it to the next run's recoverDeadRuns).
 * Renaming a new file over the old one would free the old file's blocks in the save's path
 * (a file system with online discard makes that slow: ~25 ms a save for the 1.4 MB lock and
 * a few proxies' files); each replaced file is linked here first, and the folder is removed
 * off the path, once the save is written (settleWritten).
 */
export const updateFolder = (out: string): string => `${stagingFolder(out)}-old`;

let staged = 0;

/** Writes `files` (paths already known to the bundle) and then the lock, each by an atomic rename. */
function replaceInPlace(out: string, files: readonly EmittedFile[], lock: Buffer): void {
  const folder = updateFolder(out);
  mkdirSync(folder, { recursive: true });
  for (const f of [...files, { path: LOCK_FILE, content: lock }]) {
    const n = ++staged;
    const fresh = join(folder, `${n}.new`);
    writeFileSync(fresh, f.content);
    const target = join(out, f.path);
    try { linkSync(target, join(folder, `${n}.old`)); } catch { /* gone already: nothing to keep alive */ }
    renameSync(fresh, target);
  }
}

/**
 * The lists that partition `entries` exactly (every path in one list, with its digest), or
 * null: `known` were already vouched for as parts of the bundle, `taken` are other lists the
 * run gave whose entries must be checked against `entries`.
 */
function partition(entries: ReadonlyMap<string, string>, known: readonly (readonly OwnedEntry[])[], taken: readonly (readonly OwnedEntry[])[]): Set<readonly OwnedEntry[]> | null {
  let count = 0;
  for (const list of known) count += list.length;
  for (const list of taken) {
    for (const e of list) if (entries.get(e.path) !== e.sha256) return null;
    count += list.length;
  }
  const lists = new Set([...known, ...taken]);
  // Every list once, and no path in two of them: as many entries as the map holds.
  return count === entries.size && lists.size === known.length + taken.length ? lists : null;
}

export function openBundleUpdate(outDir: string, previous: WrittenBundle): BundleUpdate {
  const out = resolve(outDir);
  const units = previous.units ?? null;
  // The files handed in (a save's few changed proxies), by path, and how many (a path given twice counts twice).
  const fresh = new Map<string, string>();
  let freshCount = 0;
  const added: EmittedFile[] = [];
  // Kept lists the last write's partition holds (no record per file), and any other kept list (recorded per file).
  const keptUnits: (readonly OwnedEntry[])[] = [];
  const keptSet = new Set<readonly OwnedEntry[]>();
  let keptFiles = 0;
  const looseLists: (readonly OwnedEntry[])[] = [];
  const loose = new Map<string, string>();
  // The memo's lists of the files handed in, for the next save's partition.
  const remembered: (readonly OwnedEntry[])[] = [];
  // Counted as the files come, so the commit needs no pass over the bundle's 8,000 paths: any path the last write lacks, and the digests that differ.
  let unknown = 0;
  const changes: [string, string][] = [];
  const note = (path: string, digest: string) => {
    const before = previous.files.get(path);
    if (before === undefined) unknown++;
    else if (before !== digest) changes.push([path, digest]);
  };
  /** Every file of the run by path: built only when the bundle's paths change (or no partition is known). */
  let all: Map<string, string> | null = null;
  const entries = (): Map<string, string> => {
    if (all) return all;
    all = new Map(loose);
    for (const list of keptUnits) for (const e of list) all.set(e.path, e.sha256);
    for (const [path, digest] of fresh) all.set(path, digest);
    return all;
  };
  /**
   * Whether the run's files have the last write's paths, from the partition: the kept lists
   * are parts of it (each once), every file handed in is a known path (each once), every part
   * not kept is covered by files handed in, and the counts add up to the bundle's.
   */
  const samePartition = (): boolean => {
    if (units === null || looseLists.length > 0 || unknown > 0 || fresh.size !== freshCount || keptSet.size !== keptUnits.length) return false;
    if (keptFiles + fresh.size !== previous.files.size) return false;
    for (const list of units) {
      if (keptSet.has(list)) continue;
      for (const e of list) if (!fresh.has(e.path)) return false;
    }
    return true;
  };
  return {
    add(files) {
      for (const f of files) {
        const digest = sha256(f.content);
        fresh.set(f.path, digest);
        freshCount++;
        note(f.path, digest);
        // Held until commit, and only when it differs: after an edit, a few proxies' files.
        if (previous.files.get(f.path) !== digest) added.push(f);
      }
    },
    keep(kept) {
      // A list of the last write's partition: its files are there as listed (the usual save keeps ~5,000 such lists).
      if (units !== null && units.has(kept) && !keptSet.has(kept)) {
        keptSet.add(kept);
        keptUnits.push(kept);
        keptFiles += kept.length;
        return;
      }
      looseLists.push(kept);
      for (const e of kept) { loose.set(e.path, e.sha256); note(e.path, e.sha256); }
    },
    remember(list) { remembered.push(list); },
    commit(inputDigest, full) {
      // Same paths as the last write (the usual save): the lock is the last one with the changed digests.
      const fast = samePartition();
      // Else every path known and as many as before (a path given twice lands once in `entries`): the same paths.
      const samePaths = fast || (unknown === 0 && entries().size === previous.files.size);
      if (samePaths && previous.lockIndex === undefined) previous.lockIndex = indexLock(previous.lock);
      const lockIndex = samePaths ? previous.lockIndex ?? null : null;
      const patched = lockIndex ? patchLock(previous.lock, lockIndex, inputDigest, changes) : null;
      const lock = patched ?? Buffer.from(lockFileFor([...entries()].map(([path, digest]) => ({ path, sha256: digest })), inputDigest).content);
      const children = samePaths ? previous.dirs?.children : undefined;
      /** What is on disk once written: with the partition, the last write's map with the changed digests (taken over: the last write is done with). */
      const nowWritten = (): { files: ReadonlyMap<string, string>; units: Set<readonly OwnedEntry[]> | null } => {
        if (!fast) {
          const files = entries();
          return { files, units: partition(files, [], [...keptUnits, ...looseLists, ...remembered]) };
        }
        const files = previous.files as Map<string, string>;
        for (const [path, digest] of changes) files.set(path, digest);
        // The parts handed in again replace the ones not kept, when they cover exactly the files handed in.
        let count = 0;
        for (const list of remembered) {
          for (const e of list) if (fresh.get(e.path) !== e.sha256) return { files, units: null };
          count += list.length;
        }
        if (count !== fresh.size) return { files, units: null };
        const next = new Set(keptUnits);
        for (const list of remembered) next.add(list);
        return { files, units: next.size === keptUnits.length + remembered.length ? next : null };
      };
      if (lock.equals(previous.lock) && existsSync(join(out, LOCK_FILE)) && inPlaceAllowed(out, previous, [], samePaths)) {
        const now = nowWritten();
        // The same lock stays on disk: what was found about it holds.
        return { written: { lock, files: now.files, dirs: previous.dirs, units: now.units, lockIndex: previous.lockIndex, lockStat: previous.lockStat }, diagnostics: [], changed: 0, retry: false };
      }
      if (inPlaceAllowed(out, previous, added, samePaths)) {
        replaceInPlace(out, added, lock);
        const now = nowWritten();
        const written = writtenBundle(out, lock, now.files, children);
        written.units = now.units;
        if (patched !== null) written.lockIndex = lockIndex;
        return { written, diagnostics: [], changed: added.length, retry: false };
      }
      const staged = full();
      if (Array.isArray(staged)) return { written: null, diagnostics: staged, changed: 0, retry: false };
      const fileMap = entries();
      const written = (): WrittenBundle => writtenWhole(out, lock, fileMap, [...keptUnits, ...looseLists, ...remembered]);
      const handed = new Set(added.map((f) => f.path));
      staged.add(added);
      for (const [path, digest] of fileMap) {
        if (handed.has(path)) continue;
        let content: Buffer;
        try { content = readFileSync(join(out, path)); } catch { staged.discard(); return { written: null, diagnostics: [], changed: 0, retry: true }; }
        if (sha256(content) !== digest) { staged.discard(); return { written: null, diagnostics: [], changed: 0, retry: true }; }
        staged.add([{ path, content: content.toString("utf8") }]);
      }
      staged.add([{ path: LOCK_FILE, content: lock.toString("utf8") }]);
      const diagnostics = staged.commit();
      return { written: diagnostics.length === 0 ? written() : null, diagnostics, changed: added.length, retry: false };
    },
  };
}
