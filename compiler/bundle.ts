// The bundle writer: the only code that writes a bundle. The whole bundle is built in a
// staging folder first, then swapped in; only files listed in the previous lock file are
// ever replaced or removed; dangerous output folders and symlinks are refused.
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, parse, relative, resolve, sep } from "node:path";
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

const sha256 = (text: string | Buffer) => createHash("sha256").update(text).digest("hex");

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

export interface Drift { readonly added: string[]; readonly changed: string[]; readonly removed: string[] }

/** What writing `files` would change in `outDir` (for --check): compares real bytes, not the old lock's word. */
export function computeDrift(outDir: string, files: readonly EmittedFile[]): Drift {
  const previous = readLock(outDir);
  const owned = new Set([...(previous?.files.map((f) => f.path) ?? []), ...(previous ? [LOCK_FILE] : [])]);
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

function listFiles(dir: string, base = dir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() && !e.isSymbolicLink() ? listFiles(join(dir, e.name), base) : [relative(base, join(dir, e.name)).split(sep).join("/")]);
}

/** Whether `rel` or any folder on the way to it inside `root` is a symbolic link. */
export function symlinkOnPath(root: string, rel: string): boolean {
  let p = root;
  for (const part of rel.split("/")) {
    p = join(p, part);
    if (!existsSync(p)) return false;
    if (lstatSync(p).isSymbolicLink()) return true;
  }
  return false;
}

/** Reasons to refuse `outDir`, as diagnostics; empty when it is safe to write. */
export function checkOutDir(outDir: string, protectedDirs: readonly string[], adopt: boolean): Diagnostic[] {
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
  const lock = readLock(out);
  const owned = new Set([...(lock?.files.map((f) => f.path) ?? []), LOCK_FILE]);
  const foreign = listFiles(out).filter((f) => !owned.has(f));
  if (!adopt && !lock && foreign.length > 0) {
    return refuse(`${outDir} holds files meshc did not write (${foreign.slice(0, 3).join(", ")}${foreign.length > 3 ? ", ..." : ""})`, "pass an empty or new folder, or --adopt to let meshc manage this one (it still never deletes files it did not write)");
  }
  for (const f of lock?.files ?? []) {
    if (symlinkOnPath(out, f.path)) {
      return [diagnostic(coreCodes.symlinkInBundle, { message: `${f.path} in the bundle is a symbolic link`, file: join(outDir, f.path), hint: "remove the link; meshc never follows links out of the bundle" })];
    }
  }
  return [];
}

/**
 * Writes the bundle: stage everything in a sibling folder, then swap. When the folder
 * holds only meshc's files, the swap is two renames; otherwise each owned file is renamed
 * into place and stale owned files are removed, leaving everything else untouched.
 */
export function writeBundle(outDir: string, files: readonly EmittedFile[]): Diagnostic[] {
  const out = resolve(outDir);
  const staging = join(dirname(out), `.${parse(out).base}.meshc-staging-${process.pid}`);
  try {
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    for (const f of files) {
      const p = join(staging, f.path);
      if (!p.startsWith(staging + sep)) throw new Error(`bundle path escapes the bundle: ${f.path}`);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, f.content);
    }
    const previous = readLock(out);
    const owned = new Set([...(previous?.files.map((f) => f.path) ?? []), LOCK_FILE]);
    const onlyOurs = !existsSync(out) || listFiles(out).every((f) => owned.has(f));
    if (onlyOurs) {
      const old = `${staging}-old`;
      if (existsSync(out)) renameSync(out, old);
      renameSync(staging, out);
      rmSync(old, { recursive: true, force: true });
      return [];
    }
    const wanted = new Set(files.map((f) => f.path));
    const linked = files.find((f) => symlinkOnPath(out, f.path));
    if (linked) throw new Error(`${linked.path} goes through a symbolic link; refusing to follow it`);
    for (const f of files) {
      mkdirSync(dirname(join(out, f.path)), { recursive: true });
      renameSync(join(staging, f.path), join(out, f.path));
    }
    for (const p of owned) if (!wanted.has(p)) rmSync(join(out, p), { force: true });
    rmSync(staging, { recursive: true, force: true });
    return [];
  } catch (error) {
    try { rmSync(staging, { recursive: true, force: true }); } catch { /* the staging folder may never have existed */ }
    return [diagnostic(coreCodes.writeFailed, { message: `could not write ${outDir}: ${error instanceof Error ? error.message : String(error)}`, file: outDir, hint: "check the folder's permissions and free space" })];
  }
}
