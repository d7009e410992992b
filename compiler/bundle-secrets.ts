// Private keys have no place in a bundle: it is committed, reviewed and shipped. `meshc certs
// issue` refuses to mint into one, but a key copied in by hand (or minted before that guard)
// would ride along with every commit, so `compile` and `compile --check` look for one.
import { closeSync, existsSync, lstatSync, openSync, readdirSync, readFileSync, readSync } from "node:fs";
import { join } from "node:path";
import { sha256 } from "./bundle-lock.ts";
import { coreCodes } from "./diagnostics/codes.ts";
import { diagnostic } from "./diagnostics/define.ts";
import type { Diagnostic } from "./diagnostics/types.ts";
import { LOCK_FILE } from "./bundle.ts";

// PEM (PKCS#1, PKCS#8, SEC1, encrypted), OpenSSH and PuTTY private keys.
const KEY_MARKERS = [/-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/, /PuTTY-User-Key-File-/];
const MAX_READ = 1 << 20;
// Every match of a marker holds one of these literals. A file's bytes are searched for them
// natively (Buffer#indexOf) and decoded and matched only on a hit: a recompile over a
// 1,000-service bundle (10,346 files, 77 MB) spent ~0.7-1.1 s of CPU decoding every file to
// a string and running both expressions over it, each run, before writing a byte.
const MARKER_LITERALS = ["PRIVATE KEY-----", "PuTTY-User-Key-File-"];

/** The bytes of the file at `p` (a regular file of at most MAX_READ bytes when lstat saw it); `buffer` holds MAX_READ + 1 bytes. */
function readSmall(p: string, buffer: Buffer): Buffer {
  const fd = openSync(p, "r");
  try {
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    // A full buffer: the file grew past MAX_READ since its lstat; read it whole, as a plain read would.
    return n === buffer.length ? readFileSync(fd) : buffer.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

function holdsKeyMarker(bytes: Buffer): boolean {
  if (!MARKER_LITERALS.some((literal) => bytes.indexOf(literal, 0, "latin1") >= 0)) return false;
  const text = bytes.toString("latin1");
  return KEY_MARKERS.some((m) => m.test(text));
}

/**
 * A file of the old bundle that may be hard-linked into the new one (bundle.ts stageBundle)
 * instead of written again: a regular file with no other name, whose bytes, read by the key
 * scan, hash to its lock entry's digest; with what lstat saw just before that read. The link is
 * kept only when the linked inode is still this one, unchanged since (same size and
 * modification time), with no other name but the old one.
 */
export interface ReusableFile {
  readonly sha256: string;
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

export interface FolderScan {
  /** Files that hold a private key, relative and "/"-separated, sorted. */
  readonly keys: string[];
  /** By relative path, the files `locked` names that may be reused (see ReusableFile). */
  readonly reusable: Map<string, ReusableFile>;
}

/**
 * A file changed less than a clock tick before its lstat may change again in the same tick
 * and keep its modification time; only older files are reused, so that any write after the
 * lstat shows in the time (the kernel's coarse clock ticks every 1-10 ms; a file system with
 * whole-second times needs longer: bundle-dirs.ts).
 */
function settled(st: { mtimeMs: number; ctimeMs: number }, nowMs: number): boolean {
  const latest = Math.max(st.mtimeMs, st.ctimeMs);
  return latest < nowMs - (Number.isInteger(latest) ? 2500 : 50);
}

/**
 * Walks `dir` once (symbolic links neither followed nor read): the files that hold a private
 * key, and, when `locked` (a vetted lock's digests by path) is given, the files that may be
 * reused, hashed from the bytes the key scan reads anyway.
 */
export function scanFolder(dir: string, locked?: ReadonlyMap<string, string>): FolderScan {
  const keys: string[] = [];
  const reusable = new Map<string, ReusableFile>();
  const buffer = Buffer.allocUnsafe(MAX_READ + 1);
  const nowMs = Date.now();
  const walk = (d: string, rel: string): void => {
    let names: string[];
    try { names = readdirSync(d).sort(); } catch { return; }
    for (const name of names) {
      const p = join(d, name);
      const r = rel === "" ? name : `${rel}/${name}`;
      try {
        const st = lstatSync(p);
        if (st.isDirectory()) walk(p, r);
        else if (st.isFile() && st.size <= MAX_READ) {
          const bytes = readSmall(p, buffer);
          if (holdsKeyMarker(bytes)) keys.push(r);
          const digest = locked?.get(r);
          if (digest !== undefined && st.nlink === 1 && bytes.length === st.size && settled(st, nowMs) && sha256(bytes) === digest) {
            reusable.set(r, { sha256: digest, dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, mode: st.mode, uid: st.uid, gid: st.gid });
          }
        }
      } catch {
        // Unreadable entries (permissions, a file removed meanwhile) hold nothing meshc can judge.
      }
    }
  };
  walk(dir, "");
  return { keys, reusable };
}

/** Files under `dir` (symbolic links neither followed nor read) that hold a private key, relative and "/"-separated, sorted. */
export function privateKeyFiles(dir: string): string[] {
  return scanFolder(dir).keys;
}

/** Only a folder meshc already wrote (it holds the lock) is scanned: never `/`, a home or a stranger's tree. */
export function privateKeyDiagnostics(outDir: string, scan?: FolderScan | null): Diagnostic[] {
  if (!existsSync(join(outDir, LOCK_FILE))) return [];
  return (scan ?? scanFolder(outDir)).keys.map((file) => diagnostic(coreCodes.privateKeyInBundle, {
    message: `${join(outDir, file)} holds a private key; a bundle is committed and shipped, so the key would be too`,
    file: join(outDir, file),
    hint: "move the key out of the bundle (meshc certs issue --dir <a folder outside the bundle and ignored by git>), and rotate it if it was ever committed",
  }));
}
