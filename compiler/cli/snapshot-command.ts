// `meshc snapshot`: the bundle against snapshots/<name>/ (the lock file is left out: it
// names the compiler version, which is not part of what a policy does).
import { basename, join } from "node:path";
import { compileFile, hasErrors } from "../compile.ts";
import { compareSnapshot, formatSnapshotProblems, updateSnapshot } from "../snapshot.ts";
import { printDiagnostics } from "./output.ts";

export async function runSnapshot(config: string | undefined, opts: { update?: boolean; dir: string; name?: string }): Promise<number> {
  // --update replaces <dir>/<name> wholesale: a name that is not one plain folder name
  // ("", ".", "..", "a/b") would wipe the snapshot root, its parent, or another snapshot.
  if (opts.name !== undefined && (opts.name === "" || opts.name === "." || opts.name === ".." || basename(opts.name) !== opts.name || opts.name.includes("\\"))) {
    process.stderr.write(`meshc snapshot: --name ${JSON.stringify(opts.name)} must be a plain folder name\n`);
    return 2;
  }
  const r = await compileFile(config, { cwd: process.cwd() });
  if (hasErrors(r.diagnostics) || !r.mesh) {
    printDiagnostics(r.diagnostics, "text", r.config, false);
    return 1;
  }
  const name = opts.name ?? r.mesh.name;
  const dir = join(opts.dir, name);
  const files = new Map(r.files.map((f) => [f.path, f.content]));
  if (opts.update) {
    const refused = updateSnapshot(dir, files, [process.cwd(), opts.dir]);
    if (refused.length > 0) {
      printDiagnostics(refused, "text", r.config, false);
      return 1;
    }
    process.stderr.write(`meshc: snapshot ${dir} updated (${files.size} files)\n`);
    return 0;
  }
  const problems = compareSnapshot(dir, files);
  if (problems.length === 0) {
    process.stderr.write(`meshc: snapshot ${dir} matches (${files.size} files)\n`);
    return 0;
  }
  if (problems.length === files.size && problems.every((p) => p.kind === "missing")) {
    // No snapshot yet: one line that says how to make one, not a "missing" line per file.
    process.stderr.write(`meshc: no snapshot at ${dir} yet; create it with: meshc snapshot${config ? ` ${config}` : ""}${opts.dir !== "snapshots" ? ` --dir ${opts.dir}` : ""}${opts.name ? ` --name ${opts.name}` : ""} --update\n`);
    return 1;
  }
  process.stdout.write(formatSnapshotProblems(dir, problems));
  process.stderr.write(`meshc: snapshot ${dir} differs: ${problems.length} file(s); run with --update to accept\n`);
  return 1;
}
