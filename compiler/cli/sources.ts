// Where `meshc diff` and friends get a mesh from: a config file, a folder holding one, a
// bundle folder (files only, no IR), or a git revision (the config as committed there,
// extracted with `git archive` into a temp folder; the working tree is never touched).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { LOCK_FILE, withLockFile } from "../bundle.ts";
import { compileFile, hasErrors } from "../compile.ts";
import type { Diagnostic } from "../diagnostics/types.ts";
import type { MeshIR } from "../ir/types.ts";
import { findConfig } from "../load/index.ts";

export interface MeshSource {
  readonly label: string;
  readonly ir: MeshIR | null;
  readonly files: ReadonlyMap<string, string>;
  readonly diagnostics: readonly Diagnostic[];
}

function readBundle(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p).split(sep).join("/"), readFileSync(p, "utf8"));
    }
  };
  walk(dir);
  out.delete(LOCK_FILE);
  return out;
}

async function compileSource(label: string, configPath: string | undefined, cwd: string): Promise<MeshSource> {
  const r = await compileFile(configPath, { cwd, verify: "none", typecheck: false });
  const files = new Map(r.files.map((f) => [f.path, f.content]));
  return { label, ir: hasErrors(r.diagnostics) ? null : r.ir, files, diagnostics: r.diagnostics };
}

/**
 * The commit `ref` names, or null (not a revision, or not in a git repository). A ref
 * starting with "-" is refused: git would read it as an option (`--output=FILE` makes
 * `git archive` truncate FILE), and no branch, tag or revision can start with one.
 */
function resolveCommit(ref: string, cwd: string): string | null {
  if (ref === "" || ref.startsWith("-")) return null;
  try {
    return execFileSync("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return null;
  }
}

export async function compileAtRevision(rev: string, cwd: string, configPath: string | undefined): Promise<MeshSource> {
  const current = findConfig(configPath, cwd);
  if (!current) throw new Error(configPath ? `${configPath}: no config there to compare` : "no config found in the working directory to compare");
  // The repository is the config's, wherever meshc runs from.
  const repo = dirname(current);
  const commit = resolveCommit(rev, repo);
  if (commit === null) throw new Error(`${rev} is not a git revision (is ${repo} in a git repository?)`);
  const top = realpathSync(execFileSync("git", ["rev-parse", "--show-toplevel"], { cwd: repo, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim());
  // Both sides real paths: a symlinked checkout or temp folder must not turn `rel` into ../..
  const rel = relative(top, realpathSync(current));
  if (rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) throw new Error(`${current} is not inside the git repository ${top}`);
  const tmp = mkdtempSync(join(tmpdir(), "meshc-rev-"));
  try {
    const tar = execFileSync("git", ["archive", "--format=tar", commit], { cwd: top, maxBuffer: 1 << 30, stdio: ["ignore", "pipe", "pipe"] });
    execFileSync("tar", ["-x", "-C", tmp], { input: tar });
    if (!existsSync(join(tmp, rel))) throw new Error(`${rel.split(sep).join("/")} does not exist at ${rev}`);
    const source = await compileSource(rev, join(tmp, rel), tmp);
    return { ...source, label: `${rev}:${rel.split(sep).join("/")}` };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** `configAtRevision`: when `ref` is a git revision, the config to take from it (default: the one in `cwd`). */
export async function resolveSource(ref: string | undefined, cwd: string, configAtRevision?: string): Promise<MeshSource> {
  if (ref === undefined) return compileSource("working tree", undefined, cwd);
  const p = resolve(cwd, ref);
  if (existsSync(p) && statSync(p).isDirectory() && existsSync(join(p, LOCK_FILE))) {
    return { label: ref, ir: null, files: readBundle(p), diagnostics: [] };
  }
  if (existsSync(p)) return compileSource(ref, ref, cwd);
  if (resolveCommit(ref, cwd) !== null) return compileAtRevision(ref, cwd, configAtRevision);
  throw new Error(`${ref} is not a config, a bundle folder, or a git revision`);
}

export { withLockFile };
