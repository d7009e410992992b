// A lock file (or a snapshot's manifest) is input too: it is read from a folder a pull
// request can change. It decides which files meshc may replace or remove, so it is
// trusted only when every entry is a plain relative path that stays inside the folder,
// through no symbolic link, with a sha256. Anything else makes the whole lock foreign.
import * as crypto from "node:crypto";
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync } from "node:fs";
import { dirname, join, relative, resolve, sep, isAbsolute } from "node:path";

export interface OwnedEntry { readonly path: string; readonly sha256: string }

export type OwnerFileRead =
  | { readonly kind: "none" }
  | { readonly kind: "ok"; readonly files: readonly OwnedEntry[] }
  | { readonly kind: "foreign"; readonly reason: string };

// One-shot `crypto.hash` (node 20.12+) where there is one: no Hash object per file of the bundle.
const oneShot = (crypto as { hash?: (algorithm: string, data: string | Buffer, encoding: "hex") => string }).hash;
export const sha256 = oneShot
  ? (text: string | Buffer) => oneShot("sha256", text, "hex")
  : (text: string | Buffer) => crypto.createHash("sha256").update(text).digest("hex");

const MAX_ENTRIES = 100_000;
const MAX_LOCK_BYTES = 64 * 1024 * 1024;

/** Why `path` is not a safe lock entry, or null. Lexical only; see `escapesThroughDisk`. */
export function unsafeEntryPath(path: unknown): string | null {
  if (typeof path !== "string" || path === "") return "an entry has no path";
  // Quoted only for a message: the writer checks every file of the bundle, and nearly all pass.
  const shown = () => JSON.stringify(path.length > 80 ? `${path.slice(0, 80)}...` : path);
  if (path.includes("\0") || path.includes("\\")) return `${shown()} holds a NUL or a backslash`;
  if (path.startsWith("/") || isAbsolute(path) || /^[A-Za-z]:/.test(path)) return `${shown()} is absolute`;
  // An empty, "." or ".." segment, found without splitting.
  if (/(?:^|\/)\.{0,2}(?:\/|$)/.test(path)) return `${shown()} has an empty, . or .. segment`;
  return null;
}

/** Whether `rel` reaches outside `root` on disk: a symbolic link on the way, or a real path outside. */
export function escapesThroughDisk(root: string, rel: string): string | null {
  return diskEscapeCheck(root)(rel);
}

/**
 * `escapesThroughDisk` for many entries of one folder: the folder's real path is taken once
 * and each folder on the way is looked at once (a 10,000-file lock names ~3,000 folders). A
 * lexically safe entry (`unsafeEntryPath`: relative, no empty, "." or ".." segment) that
 * passes through no symbolic link has the real path `realpath(root)/<its existing part>`,
 * inside the folder, so it needs one lstat of its own; any other entry takes the full walk.
 * Before, a recompile over a 1,000-service bundle spent ~3 s of CPU here: three reads of the
 * lock, each entry ~25 file-system calls (two `realpathSync` walks among them).
 */
export function diskEscapeCheck(root: string): (rel: string) => string | null {
  let base: string | undefined;
  const folders = new Map<string, "missing" | "link" | "present">();
  const state = (p: string): "missing" | "link" | "present" => {
    let st;
    try { st = lstatSync(p); } catch { return "missing"; }
    return st.isSymbolicLink() ? "link" : "present";
  };
  // An entry's own kind, from one listing of its folder (the entry types readdir gives, never
  // following a link) rather than one lstat per entry: a lock of 10,000 files in ~100 folders.
  const listings = new Map<string, Map<string, boolean> | null>();
  const entryState = (folder: string, name: string, p: string): "missing" | "link" | "present" => {
    let listing = listings.get(folder);
    if (listing === undefined) {
      listing = null;
      try {
        listing = new Map();
        for (const e of readdirSync(folder, { withFileTypes: true })) listing.set(e.name, e.isSymbolicLink());
      } catch { listing = null; }
      listings.set(folder, listing);
    }
    if (listing === null) return state(p);
    const link = listing.get(name);
    return link === undefined ? "missing" : link ? "link" : "present";
  };
  return (rel) => {
    base ??= realpathSync(root);
    if (unsafeEntryPath(rel) !== null) return escapesThroughDiskByWalk(root, rel, base);
    const parts = rel.split("/");
    let p = root;
    for (let i = 0; i < parts.length; i++) {
      const folder = p;
      p = join(p, parts[i]!);
      let s = i < parts.length - 1 ? folders.get(p) : undefined;
      if (s === undefined) {
        if (i < parts.length - 1) folders.set(p, s = state(p));
        else s = entryState(folder, parts[i]!, p);
      }
      if (s === "link") return `${rel} goes through a symbolic link`;
      if (s === "missing") break;
    }
    return null;
  };
}

/** The walk of every entry on its own: each folder on the way looked at, then the real path of the deepest one that exists. */
export function escapesThroughDiskByWalk(root: string, rel: string, base = realpathSync(root)): string | null {
  let p = root;
  for (const part of rel.split("/")) {
    p = join(p, part);
    if (!existsSync(p) && !isLink(p)) break;
    if (isLink(p)) return `${rel} goes through a symbolic link`;
  }
  // The deepest existing ancestor, by its real path, must still be inside the folder.
  let probe = resolve(root, rel);
  while (!existsSync(probe)) probe = dirname(probe);
  const real = realpathSync(probe);
  const inside = relative(base, real);
  if (inside.startsWith(`..${sep}`) || inside === ".." || isAbsolute(inside)) return `${rel} resolves outside the folder`;
  return null;
}

function isLink(p: string): boolean {
  try { return lstatSync(p).isSymbolicLink(); } catch { return false; }
}

/** Reads and vets `<dir>/<name>`. Absent: none. Unreadable, malformed or with one unsafe entry: foreign. */
export function readOwnerFile(dir: string, name: string): OwnerFileRead {
  const file = join(dir, name);
  if (!existsSync(file) && !isLink(file)) return { kind: "none" };
  if (isLink(file)) return { kind: "foreign", reason: `${name} is a symbolic link` };
  let value: unknown;
  try {
    if (lstatSync(file).size > MAX_LOCK_BYTES) return { kind: "foreign", reason: `${name} is larger than ${MAX_LOCK_BYTES} bytes` };
    value = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    return { kind: "foreign", reason: `${name} does not parse: ${(error as Error).message}` };
  }
  const files = (value as { files?: unknown } | null)?.files;
  if (!Array.isArray(files)) return { kind: "foreign", reason: `${name} has no "files" list` };
  if (files.length > MAX_ENTRIES) return { kind: "foreign", reason: `${name} lists more than ${MAX_ENTRIES} files` };
  const out: OwnedEntry[] = [];
  const escapes = diskEscapeCheck(dir);
  for (const entry of files as unknown[]) {
    const path = (entry as { path?: unknown } | null)?.path;
    const hash = (entry as { sha256?: unknown } | null)?.sha256;
    const bad = unsafeEntryPath(path) ?? (typeof hash === "string" && /^[0-9a-f]{64}$/.test(hash) ? null : `${JSON.stringify(path)} has no sha256`);
    if (bad) return { kind: "foreign", reason: bad };
    const escape = escapes(path as string);
    if (escape) return { kind: "foreign", reason: escape };
    out.push({ path: path as string, sha256: hash as string });
  }
  return { kind: "ok", files: out };
}

/** Whether the file at `rel` still holds the bytes the lock says meshc wrote there. */
export function holdsLockedBytes(dir: string, entry: OwnedEntry): boolean {
  try {
    const p = join(dir, entry.path);
    return lstatSync(p).isFile() && sha256(readFileSync(p)) === entry.sha256;
  } catch {
    return false;
  }
}
