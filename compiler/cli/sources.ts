// Where `meshc diff` and friends get a mesh from: a config file, a folder holding one, a
// bundle folder (files only, no IR), or a git revision (the config as committed there,
// extracted with `git archive` into a temp folder; the working tree is never touched).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve, sep } from "node:path";
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

function isGitRevision(ref: string, cwd: string): boolean {
  try {
    execFileSync("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { cwd, stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export async function compileAtRevision(rev: string, cwd: string, configPath: string | undefined): Promise<MeshSource> {
  const top = execFileSync("git", ["rev-parse", "--show-toplevel"], { cwd, encoding: "utf8" }).trim();
  const current = findConfig(configPath, cwd);
  if (!current) throw new Error("no config found in the working directory to compare");
  const rel = relative(top, current);
  const tmp = mkdtempSync(join(tmpdir(), "meshc-rev-"));
  try {
    const tar = execFileSync("git", ["archive", "--format=tar", rev], { cwd: top, maxBuffer: 1 << 30 });
    execFileSync("tar", ["-x", "-C", tmp], { input: tar });
    const source = await compileSource(rev, join(tmp, rel), tmp);
    return { ...source, label: `${rev}:${rel}` };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export async function resolveSource(ref: string | undefined, cwd: string): Promise<MeshSource> {
  if (ref === undefined) return compileSource("working tree", undefined, cwd);
  const p = resolve(cwd, ref);
  if (existsSync(p) && statSync(p).isDirectory() && existsSync(join(p, LOCK_FILE))) {
    return { label: ref, ir: null, files: readBundle(p), diagnostics: [] };
  }
  if (existsSync(p)) return compileSource(ref, ref, cwd);
  if (isGitRevision(ref, cwd)) return compileAtRevision(ref, cwd, undefined);
  throw new Error(`${ref} is not a config, a bundle folder, or a git revision`);
}

export { withLockFile };
