// The bundle writer: the only code that writes a bundle (compile, snapshot --update). The
// whole bundle is built in a staging folder first, then swapped in atomically; only files
// listed in the previous lock file, vetted (bundle-lock.ts), are ever replaced or removed;
// dangerous output folders, forged locks and symlinks are refused before anything is touched.
// --adopt: meshc takes over a folder that holds other files; it keeps them (same inodes) and
// refuses to write when one of its files would replace one of them.
import { chmodSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, parse, relative, resolve, sep } from "node:path";
import { holdsLockedBytes, readOwnerFile, sha256, unsafeEntryPath, type OwnedEntry, type OwnerFileRead } from "./bundle-lock.ts";
import type { ReusableFile } from "./bundle-secrets.ts";
import { pauseForTest, recoverDeadRuns, removeFolder, stagingFolder, swapIn } from "./bundle-swap.ts";
import { coreCodes } from "./diagnostics/codes.ts";
import { diagnostic } from "./diagnostics/define.ts";
import type { Diagnostic } from "./diagnostics/types.ts";
import { toJson } from "./serialize.ts";
import type { EmittedFile } from "./target.ts";

export const LOCK_FILE = "meshc.lock.json";

const posix = sep === "/";

export interface LockFile {
  readonly compiler: { readonly name: "meshc"; readonly version: string };
  readonly input: { readonly sha256: string };
  readonly files: readonly { readonly path: string; readonly sha256: string }[];
}


export function compilerVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

/** The files plus the lock file, sorted: exactly what lands on disk. */
export function withLockFile(files: readonly EmittedFile[], inputDigest: string, version = compilerVersion()): EmittedFile[] {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : 1));
  const lock = lockFileFor(sorted.map((f) => ({ path: f.path, sha256: sha256(f.content) })), inputDigest, version);
  return [...sorted, lock].sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** The lock file for files already written (streamed), from their paths and digests alone. */
export function lockFileFor(entries: readonly OwnedEntry[], inputDigest: string, version = compilerVersion()): EmittedFile {
  const lock: LockFile = {
    compiler: { name: "meshc", version },
    input: { sha256: inputDigest },
    files: [...entries].sort((a, b) => (a.path < b.path ? -1 : 1)).map((e) => ({ path: e.path, sha256: e.sha256 })),
  };
  return { path: LOCK_FILE, content: toJson(lock) };
}

export function readLock(outDir: string): LockFile | null {
  try {
    return JSON.parse(readFileSync(join(outDir, LOCK_FILE), "utf8")) as LockFile;
  } catch {
    return null;
  }
}

/** The lock, vetted: a lock with one unsafe entry is foreign and decides nothing (MESH4006). */
export function lockDiagnostic(outDir: string, ownerFile = LOCK_FILE): Diagnostic[] {
  if (!existsSync(outDir)) return [];
  return foreignLockDiagnostic(outDir, ownerFile, readOwnerFile(outDir, ownerFile));
}

function foreignLockDiagnostic(outDir: string, ownerFile: string, read: OwnerFileRead): Diagnostic[] {
  if (read.kind !== "foreign") return [];
  return [diagnostic(coreCodes.foreignLock, {
    message: `${join(outDir, ownerFile)} is not a lock meshc can trust: ${read.reason}; nothing was written or removed`,
    file: join(outDir, ownerFile),
    hint: `meshc only writes relative paths inside the folder; if you did not expect this file, review the change that added it, then delete ${ownerFile} and compile again`,
  })];
}

export interface Drift { readonly added: string[]; readonly changed: string[]; readonly removed: string[] }

/** Compares files with `outDir` as they stream in (for --check); `finish` says what writing them would change. */
export interface DriftCheck {
  add(files: readonly EmittedFile[]): void;
  /** The digests of every file added, for the lock. */
  entries(): readonly OwnedEntry[];
  finish(): Drift;
}

export function openDriftCheck(outDir: string): DriftCheck {
  const previous = existsSync(outDir) ? readOwnerFile(outDir, LOCK_FILE) : { kind: "none" as const };
  const owned = new Set(previous.kind === "ok" ? [...previous.files.map((f) => f.path), LOCK_FILE] : []);
  const drift: Drift = { added: [], changed: [], removed: [] };
  const seen: OwnedEntry[] = [];
  return {
    add(files) {
      for (const f of files) {
        const digest = sha256(f.content);
        seen.push({ path: f.path, sha256: digest });
        const p = join(outDir, f.path);
        if (!existsSync(p)) drift.added.push(f.path);
        else if (sha256(readFileSync(p)) !== digest) drift.changed.push(f.path);
      }
    },
    entries: () => seen,
    finish() {
      const wanted = new Set(seen.map((e) => e.path));
      for (const p of owned) if (!wanted.has(p) && existsSync(join(outDir, p))) drift.removed.push(p);
      for (const list of [drift.added, drift.changed, drift.removed]) list.sort();
      return drift;
    },
  };
}

/** What writing `files` would change in `outDir` (for --check): compares real bytes, not the old lock's word. */
export function computeDrift(outDir: string, files: readonly EmittedFile[]): Drift {
  const check = openDriftCheck(outDir);
  check.add(files);
  return check.finish();
}

/** Every file (symbolic links included, never followed) and every empty folder, relative, "/"-separated; folders end in "/". */
export function listEntries(dir: string, base = dir): string[] {
  if (!existsSync(dir)) return [];
  const entries = readdirSync(dir, { withFileTypes: true });
  const rel = (p: string) => relative(base, p).split(sep).join("/");
  if (entries.length === 0 && dir !== base) return [`${rel(dir)}/`];
  return entries.flatMap((e) => e.isDirectory() ? listEntries(join(dir, e.name), base) : [rel(join(dir, e.name))]);
}

/** Whether `rel` or any folder on the way to it inside `root` is a symbolic link. */
export function symlinkOnPath(root: string, rel: string): boolean {
  let p = root;
  for (const part of rel.split("/")) {
    p = join(p, part);
    let link = false;
    try { link = lstatSync(p).isSymbolicLink(); } catch { return false; }
    if (link) return true;
  }
  return false;
}

/** Reasons to refuse `outDir`, as diagnostics; empty when it is safe to write. */
export function checkOutDir(outDir: string, protectedDirs: readonly string[], adopt: boolean, ownerFile = LOCK_FILE): Diagnostic[] {
  return inspectOutDir(outDir, protectedDirs, adopt, ownerFile).diagnostics;
}

/**
 * `checkOutDir`, with the lock it read (vetted; "none" when there is no folder or no lock),
 * so that the write (`stageBundle`'s `previous`) need not read and vet it again.
 */
export function inspectOutDir(outDir: string, protectedDirs: readonly string[], adopt: boolean, ownerFile = LOCK_FILE): { diagnostics: Diagnostic[]; lock: OwnerFileRead } {
  const out = resolve(outDir);
  const none: OwnerFileRead = { kind: "none" };
  const refuse = (message: string, hint: string) => ({ diagnostics: [diagnostic(coreCodes.dangerousOut, { message, file: outDir, hint })], lock: none });
  if (out === parse(out).root) return refuse("refusing to write a bundle to the file system root", "pass --out with a folder of its own, e.g. --out mesh-bundle");
  if (out === resolve(homedir())) return refuse("refusing to write a bundle to the home directory", "pass --out with a folder of its own");
  if (protectedDirs.some((p) => resolve(p) === out)) return refuse(`refusing to write a bundle into the project root ${outDir}`, "pass --out with a folder of its own, e.g. --out mesh-bundle");
  if (existsSync(out) && lstatSync(out).isSymbolicLink()) {
    return { diagnostics: [diagnostic(coreCodes.symlinkInBundle, { message: `${outDir} is a symbolic link`, file: outDir, hint: "point --out at a real folder" })], lock: none };
  }
  if (!existsSync(out)) return { diagnostics: [], lock: none };
  if (!lstatSync(out).isDirectory()) return refuse(`${outDir} exists and is not a folder`, "pass --out with a folder");
  // One read of the lock for both questions: it is vetted entry by entry against the disk.
  const lock = readOwnerFile(out, ownerFile);
  const lockProblem = foreignLockDiagnostic(out, ownerFile, lock);
  if (lockProblem.length > 0) return { diagnostics: lockProblem, lock };
  if (!adopt && lock.kind === "none") {
    const foreign = listEntries(out).filter((f) => f !== ownerFile);
    if (foreign.length > 0) return refuse(`${outDir} holds files meshc did not write (${foreign.slice(0, 3).join(", ")}${foreign.length > 3 ? ", ..." : ""})`, "pass an empty or new folder, or --adopt to let meshc manage this one (it keeps those files and never overwrites them)");
  }
  return { diagnostics: [], lock };
}

export interface WriteOptions {
  /** The lock naming the files this writer owns (the bundle's lock, or a snapshot's manifest). */
  readonly ownerFile?: string;
  /** What the caller already found in the folder (`inspectOutDir`, `scanFolder`), so it is not read again. */
  readonly previous?: PreviousBundle;
}

/**
 * The old bundle as the caller found it. The lock is used only when no dead run's folder
 * was recovered or removed in between (that changes what is there, or the links' counts).
 */
export interface PreviousBundle {
  readonly lock: OwnerFileRead;
  /** Old files whose bytes the new bundle may share (bundle-secrets.ts): hard-linked rather than written. */
  readonly reusable?: ReadonlyMap<string, ReusableFile>;
}

type Plan = { readonly keep: readonly string[]; readonly changed: readonly string[]; readonly locked: readonly OwnedEntry[] } | { readonly refused: Diagnostic[] };

/**
 * What to carry over from the old folder: every entry the lock does not list. When there
 * are any (an adopted folder), meshc shares the folder with its user, so it refuses to
 * touch anything that is not provably its own: a new file over a foreign one (checked as
 * files arrive, `clashesWith`), or an owned file whose bytes differ from the lock (edited by
 * hand, or claimed by a forged lock).
 */
function planCarryOver(out: string, shown: string, ownerFile: string, read?: OwnerFileRead): Plan {
  if (!existsSync(out)) return { keep: [], changed: [], locked: [] };
  const lock = read ?? readOwnerFile(out, ownerFile);
  if (lock.kind === "foreign") return { refused: lockDiagnostic(shown, ownerFile) };
  const locked = lock.kind === "ok" ? lock.files : [];
  const owned = new Set([...locked.map((f) => f.path), ownerFile]);
  const keep = listEntries(out).filter((f) => !owned.has(f));
  if (keep.length === 0) return { keep, changed: [], locked };
  const changed = locked
    .filter((entry) => (existsSync(join(out, entry.path)) || symlinkOnPath(out, entry.path)) && !holdsLockedBytes(out, entry))
    .map((entry) => `${entry.path} changed since meshc wrote it (its sha256 differs from ${ownerFile})`);
  return { keep, changed, locked };
}

/** The kept (foreign) entry a new file would replace: at its path, under it, or above it; a kept empty folder only where the file itself would be. */
function clashesWith(file: string, keep: readonly string[]): string | undefined {
  return keep.find((kept) => kept.endsWith("/") ? file === kept.slice(0, -1) : file === kept || file.startsWith(`${kept}/`) || kept.startsWith(`${file}/`));
}

/** A bundle being written: files land in the staging folder as they come, and `commit` swaps it in. */
export interface StagedBundle {
  /** Writes files into the staging folder; a failure is kept and reported by `commit`. */
  add(files: readonly EmittedFile[]): void;
  /** Paths and sha256 of every file added, for the lock. */
  entries(): readonly OwnedEntry[];
  /** Swaps the staged folder in, or refuses (diagnostics); the staging folder is gone either way. */
  commit(): Diagnostic[];
  /** Drops the staging folder: the old bundle stays as it was. */
  discard(): void;
}

/**
 * Opens a staged write of `outDir`: refusals that need no new file (a forged lock) come
 * back at once, as diagnostics; the rest are decided at `commit`. Nothing under `outDir`
 * changes before `commit`, so a caller that finds an error midway (a later proxy fails to
 * verify) discards the staging folder and the old bundle stays, whole.
 */
export function stageBundle(outDir: string, options: WriteOptions = {}): StagedBundle | Diagnostic[] {
  const ownerFile = options.ownerFile ?? LOCK_FILE;
  const out = resolve(outDir);
  const staging = stagingFolder(out);
  const fail = (error: unknown) => [diagnostic(coreCodes.writeFailed, { message: `could not write ${outDir}: ${error instanceof Error ? error.message : String(error)}`, file: outDir, hint: "check the folder's permissions and free space" })];
  const removeStaging = () => { try { rmSync(staging, { recursive: true, force: true }); } catch { /* the staging folder may never have existed */ } };
  let recovered: string[];
  try {
    recovered = recoverDeadRuns(out);
  } catch (error) {
    return fail(error);
  }
  // What the caller found holds only when no dead run's folder changed the place meanwhile.
  const previous = recovered.length === 0 ? options.previous : undefined;
  const plan = planCarryOver(out, outDir, ownerFile, previous?.lock);
  if ("refused" in plan) return plan.refused;
  const reuse = previous?.reusable && previous.reusable.size > 0 && plan.locked.length > 0 ? openReuse(out, plan.locked, previous.reusable) : null;
  try {
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
  } catch (error) {
    removeStaging();
    return fail(error);
  }
  const written: OwnedEntry[] = [];
  const clashes: { path: string; problem: string }[] = [];
  let failure: unknown = null;
  const folders = new Set<string>();
  return {
    add(files) {
      if (failure !== null) return;
      // Read once a call, not once a file: the environment is a slow lookup, 10,000 times a bundle.
      const pauses = process.env.MESHC_TEST_PAUSE_AT === "staging";
      try {
        for (const f of files) {
          // A safe entry path (relative, "/"-separated, no empty, "." or ".." segment) is already
          // normal: on POSIX, joining it is concatenating it, and its folder ends at its last "/".
          const safe = unsafeEntryPath(f.path) === null;
          const p = safe && posix ? `${staging}/${f.path}` : join(staging, f.path);
          if (!safe || !p.startsWith(staging + sep)) throw new Error(`bundle path escapes the bundle: ${f.path}`);
          const hit = plan.keep.length > 0 ? clashesWith(f.path, plan.keep) : undefined;
          if (hit) clashes.push({ path: f.path, problem: `${hit} is not meshc's (not in ${ownerFile}) and the bundle writes ${f.path}` });
          const folder = posix ? p.slice(0, p.lastIndexOf("/")) : dirname(p);
          if (!folders.has(folder)) { mkdirSync(folder, { recursive: true }); folders.add(folder); }
          const digest = sha256(f.content);
          if (reuse === null || !reuse.link(f.path, digest, p)) {
            // A path given twice whose first copy was linked: the link goes, so the write cannot reach the old inode.
            reuse?.unlinked(p);
            writeFileSync(p, f.content);
            reuse?.wrote(p);
          }
          written.push({ path: f.path, sha256: digest });
          if (pauses) pauseForTest("staging");
        }
      } catch (error) {
        failure = error;
      }
    },
    entries: () => written,
    commit() {
      const problems = [...clashes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((c) => c.problem), ...plan.changed];
      if (problems.length > 0) {
        removeStaging();
        return [diagnostic(coreCodes.foreignFileInTheWay, {
          message: `refusing to write ${outDir}: it holds files meshc did not write, and writing would replace or remove some: ${problems.slice(0, 5).join("; ")}${problems.length > 5 ? `; and ${problems.length - 5} more` : ""}`,
          file: outDir,
          hint: "move your own files out of the way (or restore meshc's), or write the bundle to a folder of its own",
        })];
      }
      try {
        if (failure !== null) throw failure;
        for (const k of plan.keep) {
          if (k.endsWith("/")) { mkdirSync(join(staging, k), { recursive: true }); continue; }
          mkdirSync(dirname(join(staging, k)), { recursive: true });
          linkSync(join(out, k), join(staging, k)); // the same inode: the user's file, not a copy
        }
        if (existsSync(out)) chmodSync(staging, statSync(out).mode & 0o7777);
        pauseForTest("before-swap");
        swapIn(staging, out);
        pauseForTest("after-swap");
        removeFolder(staging);
        return [];
      } catch (error) {
        removeStaging();
        return fail(error);
      }
    },
    discard: removeStaging,
  };
}

/**
 * Hard links from the old bundle into the staging folder, for files whose new bytes are the
 * old ones: the write is a link, and removing the old bundle after the swap frees no blocks
 * (on a 1,000-service bundle, 10,000 files and 77 MB written and freed at every compile).
 * A file is linked only when the lock lists it with the new digest, the key scan hashed its
 * bytes to that digest (bundle-secrets.ts ReusableFile), and, seen with lstat through the new
 * name once linked, it is still that regular file (same device, inode, size, modification
 * time) with exactly two names (the old and the new; no name outside the bundle), and with
 * the mode and owner a fresh write gets here. Anything else, or any error (a file system
 * without hard links: EPERM, ENOTSUP, EXDEV, EMLINK), removes the link and writes the file.
 * The swap's argument (bundle-swap.ts) is unchanged: before it the old folder is untouched
 * (its files gain a second name in the staging folder, which the next run removes if this
 * one dies); after it the new folder holds its files, whole.
 */
function openReuse(out: string, locked: readonly OwnedEntry[], reusable: ReadonlyMap<string, ReusableFile>) {
  const lockDigest = new Map<string, string>();
  for (const e of locked) lockDigest.set(e.path, e.sha256);
  const linked = new Set<string>();
  /** The mode and owner of a file this run wrote: learnt from the first file written, and nothing is linked before. */
  let fresh: { mode: number; uid: number; gid: number } | null = null;
  // Whether each folder on the way to an old file is a real folder, no symbolic link (link() follows those), looked at once a run.
  const realFolders = new Map<string, boolean>();
  const realFolder = (rel: string): boolean => {
    let known = realFolders.get(rel);
    if (known === undefined) {
      const cut = rel.lastIndexOf("/");
      known = cut < 0 || realFolder(rel.slice(0, cut));
      if (known) {
        try { known = lstatSync(join(out, rel)).isDirectory(); } catch { known = false; }
      }
      realFolders.set(rel, known);
    }
    return known;
  };
  return {
    /** Links `path`'s old file at `p` when that is safe; false when the file must be written. */
    link(path: string, digest: string, p: string): boolean {
      if (fresh === null) return false;
      const old = reusable.get(path);
      if (old === undefined || old.sha256 !== digest || lockDigest.get(path) !== digest) return false;
      if ((old.mode & 0o7777) !== fresh.mode || old.uid !== fresh.uid || old.gid !== fresh.gid) return false;
      const cut = path.lastIndexOf("/");
      if (cut > 0 && !realFolder(path.slice(0, cut))) return false;
      try {
        linkSync(posix ? `${out}/${path}` : join(out, path), p);
      } catch {
        return false;
      }
      let same = false;
      try {
        const st = lstatSync(p);
        same = st.isFile() && st.nlink === 2 && st.dev === old.dev && st.ino === old.ino && st.size === old.size && st.mtimeMs === old.mtimeMs
          && (st.mode & 0o7777) === fresh.mode && st.uid === fresh.uid && st.gid === fresh.gid;
      } catch { /* unreadable: not linked */ }
      if (!same) {
        unlinkSync(p);
        return false;
      }
      linked.add(p);
      return true;
    },
    /** Before a write at `p`: a link made there for an earlier copy of the same path is removed. */
    unlinked(p: string): void {
      if (linked.delete(p)) unlinkSync(p);
    },
    /** After the first write: what a fresh file looks like here. */
    wrote(p: string): void {
      if (fresh !== null) return;
      const st = lstatSync(p);
      fresh = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
    },
  };
}

/**
 * Writes the bundle: the whole new folder (new files, plus hard links of every file meshc
 * does not own when the folder is shared) is built in a staging folder, then swapped in
 * atomically; see bundle-swap.ts for why a crash at any instant leaves a complete bundle.
 */
export function writeBundle(outDir: string, files: readonly EmittedFile[], options: WriteOptions = {}): Diagnostic[] {
  const staged = stageBundle(outDir, options);
  if (Array.isArray(staged)) return staged;
  staged.add(files);
  return staged.commit();
}
