// Where `meshc diff` and friends get a mesh from: a config file, a folder holding one, a
// bundle folder (files only, no IR), or a git revision (the config as committed there and
// the files it imports, read one by one with git into a temp folder; the working tree is
// never touched).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { LOCK_FILE, withLockFile } from "../bundle.ts";
import { compileFile, hasErrors } from "../compile.ts";
import type { Diagnostic } from "../diagnostics/types.ts";
import type { MeshIR } from "../ir/types.ts";
import { CONFIG_NAMES, findConfig } from "../load/index.ts";
import type { NMesh } from "../normalize/model.ts";
import { existsAt, readConfigFiles, renamedFrom } from "./git-revision.ts";

export interface MeshSource {
  readonly label: string;
  readonly ir: MeshIR | null;
  readonly files: ReadonlyMap<string, string>;
  readonly diagnostics: readonly Diagnostic[];
  /** The normalized config and the value it came from (for the diff by cause); null for a bundle. */
  readonly mesh: NMesh | null;
  readonly raw: unknown;
  /** No mesh on this side: the config does not exist there (a mesh added or removed). */
  readonly absent?: boolean;
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
  const failed = hasErrors(r.diagnostics);
  return { label, ir: failed ? null : r.ir, mesh: failed ? null : r.mesh, raw: r.config?.value ?? null, files, diagnostics: r.diagnostics };
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

/** Where the working tree's config is, or would be: the file named, the one found, or every name meshc looks for. */
function configCandidates(configPath: string | undefined, cwd: string): string[] {
  const found = findConfig(configPath, cwd);
  if (found !== null) return [found];
  const p = configPath === undefined ? cwd : resolve(cwd, configPath);
  const inDir = CONFIG_NAMES.map((n) => join(p, n));
  if (configPath === undefined || (existsSync(p) && statSync(p).isDirectory())) return inDir;
  return extname(p) === "" ? [p, ...inDir] : [p];
}

/** A path's real location, also when its last segments do not exist (a removed config). */
function realPathOf(path: string): string {
  let existing = path;
  const rest: string[] = [];
  while (!existsSync(existing) && dirname(existing) !== existing) { rest.unshift(basename(existing)); existing = dirname(existing); }
  return join(realpathSync(existing), ...rest);
}

/** A mesh that is not there: the config does not exist on this side (added or removed). */
function absentSource(label: string): MeshSource {
  return { label, ir: null, mesh: null, raw: null, files: new Map(), diagnostics: [], absent: true };
}

/**
 * The config as committed at `rev`: the working tree's config at the same path, or where
 * git says it was before a move; absent when the revision has neither.
 */
export async function compileAtRevision(rev: string, cwd: string, configPath: string | undefined): Promise<MeshSource> {
  const candidates = configCandidates(configPath, cwd);
  const anchor = realPathOf(candidates[0]!);
  let start = dirname(anchor);
  while (!existsSync(start)) start = dirname(start);
  const commit = resolveCommit(rev, start);
  if (commit === null) throw new Error(`${rev} is not a git revision (is ${start} in a git repository?)`);
  const top = realpathSync(execFileSync("git", ["rev-parse", "--show-toplevel"], { cwd: start, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim());
  const rels = candidates.map((c) => relative(top, realPathOf(c)));
  if (rels.some((rel) => rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel))) throw new Error(`${candidates[0]} is not inside the git repository ${top}`);
  const posixRels = rels.map((rel) => rel.split(sep).join("/"));
  let at = posixRels.find((rel) => existsAt(top, commit, rel));
  let label = at === undefined ? "" : `${rev}:${at}`;
  if (at === undefined) {
    const moved = posixRels.map((rel) => [rel, renamedFrom(top, commit, rel)] as const).find(([, from]) => from !== null);
    if (moved === undefined) return absentSource(`${rev}:${posixRels[0]} (no mesh there)`);
    at = moved[1]!;
    label = `${rev}:${at} (moved to ${moved[0]})`;
  }
  const files = await readConfigFiles(top, commit, at);
  const tmp = mkdtempSync(join(tmpdir(), "meshc-rev-"));
  try {
    for (const [path, content] of files) {
      mkdirSync(dirname(join(tmp, path)), { recursive: true });
      writeFileSync(join(tmp, path), content);
    }
    return { ...(await compileSource(rev, join(tmp, at), tmp)), label };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The working tree's side for `diff --base`: absent when the config is gone (the mesh was removed). */
export async function resolveWorkingTree(configPath: string | undefined, cwd: string): Promise<MeshSource> {
  if (configPath !== undefined && !existsSync(resolve(cwd, configPath))) return absentSource(`working tree: ${configPath} (no mesh there)`);
  if (configPath === undefined && findConfig(undefined, cwd) === null) return absentSource("working tree (no mesh there)");
  return resolveSource(configPath, cwd);
}

/** `configAtRevision`: when `ref` is a git revision, the config to take from it (default: the one in `cwd`). */
export async function resolveSource(ref: string | undefined, cwd: string, configAtRevision?: string): Promise<MeshSource> {
  if (ref === undefined) return compileSource("working tree", undefined, cwd);
  const p = resolve(cwd, ref);
  if (existsSync(p) && statSync(p).isDirectory() && existsSync(join(p, LOCK_FILE))) {
    return { label: ref, ir: null, mesh: null, raw: null, files: readBundle(p), diagnostics: [] };
  }
  if (existsSync(p)) return compileSource(ref, ref, cwd);
  if (resolveCommit(ref, cwd) !== null) return compileAtRevision(ref, cwd, configAtRevision);
  throw new Error(`${ref} is not a config, a bundle folder, or a git revision`);
}

export { withLockFile };
