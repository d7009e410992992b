// The bundle writer: the only code that writes a bundle (compile, snapshot --update). The
// whole bundle is built in a staging folder first, then swapped in atomically; only files
// listed in the previous lock file, vetted (bundle-lock.ts), are ever replaced or removed;
// dangerous output folders, forged locks and symlinks are refused before anything is touched.
// --adopt: meshc takes over a folder that holds other files; it keeps them (same inodes) and
// refuses to write when one of its files would replace one of them.
import { chmodSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, parse, relative, resolve, sep } from "node:path";
import { holdsLockedBytes, readOwnerFile, sha256, unsafeEntryPath } from "./bundle-lock.ts";
import { pauseForTest, recoverDeadRuns, stagingFolder, swapIn } from "./bundle-swap.ts";
import { coreCodes } from "./diagnostics/codes.ts";
import { diagnostic } from "./diagnostics/define.ts";
import type { Diagnostic } from "./diagnostics/types.ts";
import { toJson } from "./serialize.ts";
import type { EmittedFile } from "./target.ts";

export const LOCK_FILE = "meshc.lock.json";

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
  const lock: LockFile = {
    compiler: { name: "meshc", version },
    input: { sha256: inputDigest },
    files: sorted.map((f) => ({ path: f.path, sha256: sha256(f.content) })),
  };
  return [...sorted, { path: LOCK_FILE, content: toJson(lock) }].sort((a, b) => (a.path < b.path ? -1 : 1));
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
  const read = readOwnerFile(outDir, ownerFile);
  if (read.kind !== "foreign") return [];
  return [diagnostic(coreCodes.foreignLock, {
    message: `${join(outDir, ownerFile)} is not a lock meshc can trust: ${read.reason}; nothing was written or removed`,
    file: join(outDir, ownerFile),
    hint: `meshc only writes relative paths inside the folder; if you did not expect this file, review the change that added it, then delete ${ownerFile} and compile again`,
  })];
}

export interface Drift { readonly added: string[]; readonly changed: string[]; readonly removed: string[] }

/** What writing `files` would change in `outDir` (for --check): compares real bytes, not the old lock's word. */
export function computeDrift(outDir: string, files: readonly EmittedFile[]): Drift {
  const previous = existsSync(outDir) ? readOwnerFile(outDir, LOCK_FILE) : { kind: "none" as const };
  const owned = new Set(previous.kind === "ok" ? [...previous.files.map((f) => f.path), LOCK_FILE] : []);
  const drift: Drift = { added: [], changed: [], removed: [] };
  const wanted = new Set(files.map((f) => f.path));
  for (const f of files) {
    const p = join(outDir, f.path);
    if (!existsSync(p)) drift.added.push(f.path);
    else if (sha256(readFileSync(p)) !== sha256(f.content)) drift.changed.push(f.path);
  }
  for (const p of owned) if (!wanted.has(p) && existsSync(join(outDir, p))) drift.removed.push(p);
  drift.removed.sort();
  return drift;
}

/** Every file (symbolic links included, never followed) and every empty folder, relative, "/"-separated; folders end in "/". */
function listEntries(dir: string, base = dir): string[] {
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
  const out = resolve(outDir);
  const refuse = (message: string, hint: string) => [diagnostic(coreCodes.dangerousOut, { message, file: outDir, hint })];
  if (out === parse(out).root) return refuse("refusing to write a bundle to the file system root", "pass --out with a folder of its own, e.g. --out mesh-bundle");
  if (out === resolve(homedir())) return refuse("refusing to write a bundle to the home directory", "pass --out with a folder of its own");
  if (protectedDirs.some((p) => resolve(p) === out)) return refuse(`refusing to write a bundle into the project root ${outDir}`, "pass --out with a folder of its own, e.g. --out mesh-bundle");
  if (existsSync(out) && lstatSync(out).isSymbolicLink()) {
    return [diagnostic(coreCodes.symlinkInBundle, { message: `${outDir} is a symbolic link`, file: outDir, hint: "point --out at a real folder" })];
  }
  if (!existsSync(out)) return [];
  if (!lstatSync(out).isDirectory()) return refuse(`${outDir} exists and is not a folder`, "pass --out with a folder");
  const lockProblem = lockDiagnostic(out, ownerFile);
  if (lockProblem.length > 0) return lockProblem;
  const lock = readOwnerFile(out, ownerFile);
  const owned = new Set([...(lock.kind === "ok" ? lock.files.map((f) => f.path) : []), ownerFile]);
  const foreign = listEntries(out).filter((f) => !owned.has(f));
  if (!adopt && lock.kind === "none" && foreign.length > 0) {
    return refuse(`${outDir} holds files meshc did not write (${foreign.slice(0, 3).join(", ")}${foreign.length > 3 ? ", ..." : ""})`, "pass an empty or new folder, or --adopt to let meshc manage this one (it keeps those files and never overwrites them)");
  }
  return [];
}

export interface WriteOptions {
  /** The lock naming the files this writer owns (the bundle's lock, or a snapshot's manifest). */
  readonly ownerFile?: string;
}

type Plan = { readonly keep: readonly string[] } | { readonly refused: Diagnostic[] };

/**
 * What to carry over from the old folder: every entry the lock does not list. When there
 * are any (an adopted folder), meshc shares the folder with its user, so it refuses to
 * touch anything that is not provably its own: a new file over a foreign one, or an owned
 * file whose bytes differ from the lock (edited by hand, or claimed by a forged lock).
 */
function planCarryOver(out: string, shown: string, files: readonly EmittedFile[], ownerFile: string): Plan {
  if (!existsSync(out)) return { keep: [] };
  const lock = readOwnerFile(out, ownerFile);
  if (lock.kind === "foreign") return { refused: lockDiagnostic(shown, ownerFile) };
  const locked = lock.kind === "ok" ? lock.files : [];
  const owned = new Set([...locked.map((f) => f.path), ownerFile]);
  const keep = listEntries(out).filter((f) => !owned.has(f));
  if (keep.length === 0) return { keep };
  // A file clashes with a kept file at its path, under it, or above it; a kept empty folder only where the file itself would be.
  const clash = (file: string, kept: string) => kept.endsWith("/") ? file === kept.slice(0, -1) : file === kept || file.startsWith(`${kept}/`) || kept.startsWith(`${file}/`);
  const problems: string[] = [];
  for (const f of files) {
    const hit = keep.find((k) => clash(f.path, k));
    if (hit) problems.push(`${hit} is not meshc's (not in ${ownerFile}) and the bundle writes ${f.path}`);
  }
  for (const entry of locked) {
    if ((existsSync(join(out, entry.path)) || symlinkOnPath(out, entry.path)) && !holdsLockedBytes(out, entry)) {
      problems.push(`${entry.path} changed since meshc wrote it (its sha256 differs from ${ownerFile})`);
    }
  }
  if (problems.length === 0) return { keep };
  return { refused: [diagnostic(coreCodes.foreignFileInTheWay, {
    message: `refusing to write ${shown}: it holds files meshc did not write, and writing would replace or remove some: ${problems.slice(0, 5).join("; ")}${problems.length > 5 ? `; and ${problems.length - 5} more` : ""}`,
    file: shown,
    hint: "move your own files out of the way (or restore meshc's), or write the bundle to a folder of its own",
  })] };
}

/**
 * Writes the bundle: the whole new folder (new files, plus hard links of every file meshc
 * does not own when the folder is shared) is built in a staging folder, then swapped in
 * atomically; see bundle-swap.ts for why a crash at any instant leaves a complete bundle.
 */
export function writeBundle(outDir: string, files: readonly EmittedFile[], options: WriteOptions = {}): Diagnostic[] {
  const ownerFile = options.ownerFile ?? LOCK_FILE;
  const out = resolve(outDir);
  const staging = stagingFolder(out);
  const fail = (error: unknown) => [diagnostic(coreCodes.writeFailed, { message: `could not write ${outDir}: ${error instanceof Error ? error.message : String(error)}`, file: outDir, hint: "check the folder's permissions and free space" })];
  try {
    recoverDeadRuns(out);
  } catch (error) {
    return fail(error);
  }
  const plan = planCarryOver(out, outDir, files, ownerFile);
  if ("refused" in plan) return plan.refused;
  try {
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    for (const f of files) {
      const p = join(staging, f.path);
      if (unsafeEntryPath(f.path) || !p.startsWith(staging + sep)) throw new Error(`bundle path escapes the bundle: ${f.path}`);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, f.content);
      pauseForTest("staging");
    }
    for (const k of plan.keep) {
      if (k.endsWith("/")) { mkdirSync(join(staging, k), { recursive: true }); continue; }
      mkdirSync(dirname(join(staging, k)), { recursive: true });
      linkSync(join(out, k), join(staging, k)); // the same inode: the user's file, not a copy
    }
    if (existsSync(out)) chmodSync(staging, statSync(out).mode & 0o7777);
    pauseForTest("before-swap");
    swapIn(staging, out);
    pauseForTest("after-swap");
    rmSync(staging, { recursive: true, force: true });
    return [];
  } catch (error) {
    try { rmSync(staging, { recursive: true, force: true }); } catch { /* the staging folder may never have existed */ }
    return fail(error);
  }
}
