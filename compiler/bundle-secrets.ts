// Private keys have no place in a bundle: it is committed, reviewed and shipped. `meshc certs
// issue` refuses to mint into one, but a key copied in by hand (or minted before that guard)
// would ride along with every commit, so `compile` and `compile --check` look for one.
import { closeSync, existsSync, lstatSync, openSync, readdirSync, readFileSync, readSync } from "node:fs";
import { join, relative, sep } from "node:path";
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

/** Whether the file at `p` (a regular file of at most MAX_READ bytes when lstat saw it) holds a private key marker; `buffer` holds MAX_READ + 1 bytes. */
function holdsKeyMarker(p: string, buffer: Buffer): boolean {
  let bytes: Buffer;
  const fd = openSync(p, "r");
  try {
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    // A full buffer: the file grew past MAX_READ since its lstat; read it whole, as a plain read would.
    bytes = n === buffer.length ? readFileSync(fd) : buffer.subarray(0, n);
  } finally {
    closeSync(fd);
  }
  if (!MARKER_LITERALS.some((literal) => bytes.indexOf(literal, 0, "latin1") >= 0)) return false;
  const text = bytes.toString("latin1");
  return KEY_MARKERS.some((m) => m.test(text));
}

/** Files under `dir` (symbolic links neither followed nor read) that hold a private key, relative and "/"-separated, sorted. */
export function privateKeyFiles(dir: string): string[] {
  const found: string[] = [];
  const buffer = Buffer.allocUnsafe(MAX_READ + 1);
  const walk = (d: string): void => {
    let names: string[];
    try { names = readdirSync(d).sort(); } catch { return; }
    for (const name of names) {
      const p = join(d, name);
      try {
        const st = lstatSync(p);
        if (st.isDirectory()) walk(p);
        else if (st.isFile() && st.size <= MAX_READ && holdsKeyMarker(p, buffer)) {
          found.push(relative(dir, p).split(sep).join("/"));
        }
      } catch {
        // Unreadable entries (permissions, a file removed meanwhile) hold nothing meshc can judge.
      }
    }
  };
  walk(dir);
  return found;
}

/** Only a folder meshc already wrote (it holds the lock) is scanned: never `/`, a home or a stranger's tree. */
export function privateKeyDiagnostics(outDir: string): Diagnostic[] {
  if (!existsSync(join(outDir, LOCK_FILE))) return [];
  return privateKeyFiles(outDir).map((file) => diagnostic(coreCodes.privateKeyInBundle, {
    message: `${join(outDir, file)} holds a private key; a bundle is committed and shipped, so the key would be too`,
    file: join(outDir, file),
    hint: "move the key out of the bundle (meshc certs issue --dir <a folder outside the bundle and ignored by git>), and rotate it if it was ever committed",
  }));
}
