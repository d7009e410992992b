// GitHub attaches an annotation to a file by its path from the repository root; meshc's
// diagnostics name files from the working directory. Run from a subdirectory (a monorepo's
// `services/mesh/`), the two differ and the annotations land nowhere: rebase them.
import { execFileSync } from "node:child_process";
import { realpathSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import type { Diagnostic } from "../diagnostics/types.ts";

/** The repository root: git's top level for `cwd`, else GITHUB_WORKSPACE, else null. */
export function repositoryRoot(cwd: string, env: NodeJS.ProcessEnv = process.env): string | null {
  try {
    return realpathSync(execFileSync("git", ["rev-parse", "--show-toplevel"], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
  } catch {
    return env.GITHUB_WORKSPACE ? realpathSync(env.GITHUB_WORKSPACE) : null;
  }
}

/** Diagnostics whose files are named from the repository root (files outside it keep their path). */
export function rebaseForGithub(ds: readonly Diagnostic[], cwd: string, root: string | null): Diagnostic[] {
  if (root === null) return [...ds];
  const base = realpathSync(cwd);
  return ds.map((d) => {
    if (!d.file) return d;
    const rel = relative(root, resolve(base, d.file));
    if (rel === "" || rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return d;
    return { ...d, file: rel.split(sep).join("/") };
  });
}
