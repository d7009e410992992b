// Where `meshc certs issue` may put private keys. Not inside a bundle (a folder with a meshc
// lock at it or above it: bundles are committed and shipped), and not at a path of a git
// work tree that git would commit (tracked, or not ignored). Keys written there end up in a
// repository one `git add -A` later. Git is asked directly (`git check-ignore`), so
// .gitignore, .git/info/exclude and the global excludes all count; without git, only the
// bundle rule applies.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { diagnostic } from "../../compiler/diagnostics/define.ts";
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";
import { certsCodes as codes } from "./codes.ts";

const BUNDLE_MARKERS = ["meshc.lock.json", ".meshc-snapshot.json"];

/** The nearest folder at or above `dir` that holds a bundle's lock, or null. */
export function enclosingBundle(dir: string): string | null {
  let p = resolve(dir);
  for (;;) {
    if (BUNDLE_MARKERS.some((m) => existsSync(join(p, m)))) return p;
    const up = dirname(p);
    if (up === p) return null;
    p = up;
  }
}

function nearestExisting(p: string): string {
  let q = resolve(p);
  while (!existsSync(q)) q = dirname(q);
  return q;
}

/** Of `files` (absolute), those git would commit: in a work tree, and tracked or not ignored. Null without git. */
export function committablePaths(files: readonly string[]): string[] | null {
  if (files.length === 0) return [];
  const cwd = nearestExisting(dirname(files[0]!));
  const top = spawnSync("git", ["rev-parse", "--show-toplevel"], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
  if (top.error) return null; // no git on this machine
  if (top.status !== 0) return []; // not in a work tree
  // Without --no-index, check-ignore never reports a tracked file as ignored: exactly the rule.
  const ignored = spawnSync("git", ["check-ignore", "--stdin", "-z"], { cwd, input: files.join("\0"), encoding: "utf8", stdio: ["pipe", "pipe", "ignore"] });
  if (ignored.status !== 0 && ignored.status !== 1) return [...files];
  const ignoredSet = new Set(ignored.stdout.split("\0").filter(Boolean).map((f) => resolve(cwd, f)));
  return files.filter((f) => !ignoredSet.has(resolve(f)));
}

/** Reasons to refuse writing keys to `dir` (`files` are what would be written there). */
export function checkCertDir(dir: string, files: readonly string[]): Diagnostic[] {
  const bundle = enclosingBundle(dir);
  if (bundle !== null) {
    return [diagnostic(codes.certDirRefused, {
      message: `refusing to write private keys to ${dir}: it is inside the bundle ${relative(process.cwd(), bundle) || "."} (bundles are committed and shipped)`,
      file: dir, hint: "pass --dir with a folder outside the bundle and outside version control, e.g. --dir ~/.meshc/dev-certs",
    })];
  }
  const committable = committablePaths(files);
  if (committable !== null && committable.length > 0) {
    const shown = committable.slice(0, 3).map((f) => relative(process.cwd(), f)).join(", ");
    return [diagnostic(codes.certDirRefused, {
      message: `refusing to write private keys to ${dir}: git would commit them (${shown}${committable.length > 3 ? `, and ${committable.length - 3} more` : ""} are tracked or not ignored)`,
      file: dir, hint: `pass --dir with a folder outside the repository, or ignore it first (add ${relative(process.cwd(), resolve(dir)) || "."}/ to .gitignore)`,
    })];
  }
  return [];
}
