// A config as committed at a git revision, read file by file: the config, then (for a
// data config, the module files it lists; for a mesh.config.ts) the local modules it imports, found with esbuild's own bundler over a
// plugin that resolves relative imports in the commit's tree and loads them with
// `git cat-file`. Nothing else of the repository is read: a monorepo costs what its mesh
// costs. Package imports (`meshc`, node_modules) are left to the loader, as for any config.
import { execFileSync } from "node:child_process";
import { build, type Plugin } from "esbuild";
import { posix } from "node:path";
import { dataFormatOf, listedModulePaths } from "../load/data-modules.ts";

const git = (cwd: string, args: readonly string[], maxBuffer = 1 << 26) =>
  execFileSync("git", args, { cwd, maxBuffer, stdio: ["ignore", "pipe", "pipe"] });

/** True when `path` (repository-relative, forward slashes) is a file at `commit`. */
export function existsAt(top: string, commit: string, path: string): boolean {
  try {
    return git(top, ["cat-file", "-t", `${commit}:${path}`]).toString().trim() === "blob";
  } catch {
    return false;
  }
}

/** Where git's rename detection says the working tree's `path` was at `commit`, or null. */
export function renamedFrom(top: string, commit: string, path: string): string | null {
  let out: string;
  try {
    out = git(top, ["diff", "--name-status", "-z", "-M", "--diff-filter=R", commit, "--"]).toString();
  } catch {
    return null;
  }
  const fields = out.split("\0");
  for (let i = 0; i + 2 < fields.length; i += 3) {
    if (fields[i]!.startsWith("R") && fields[i + 2] === path) return fields[i + 1]!;
  }
  return null;
}

const EXTENSIONS = [".ts", ".mts", ".tsx", ".js", ".mjs", ".cjs", ".jsx", ".json"];

function loaderOf(path: string): "ts" | "tsx" | "js" | "jsx" | "json" {
  const ext = posix.extname(path);
  if (ext === ".tsx" || ext === ".jsx" || ext === ".json") return ext.slice(1) as "tsx" | "jsx" | "json";
  return ext === ".ts" || ext === ".mts" ? "ts" : "js";
}

/**
 * The files `config` needs at `commit` (repository-relative paths -> contents), the config
 * first. Throws with the import that cannot be found.
 */
export async function readConfigFiles(top: string, commit: string, config: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const read = (path: string) => {
    let content = files.get(path);
    if (content === undefined) files.set(path, (content = git(top, ["cat-file", "blob", `${commit}:${path}`])));
    return content;
  };
  read(config);
  const dataFormat = dataFormatOf(config);
  if (dataFormat !== null) {
    // A data config's module files, as it lists them; one the revision lacks is left for the loader to report (MESH1121).
    for (const m of listedModulePaths(dataFormat, read(config).toString("utf8"))) {
      const path = posix.normalize(posix.join(posix.dirname(config), m));
      if (!path.startsWith("../") && existsAt(top, commit, path)) read(path);
    }
    return files;
  }
  if (loaderOf(config) !== "ts" && loaderOf(config) !== "tsx") return files;
  const listings = new Map<string, Set<string>>();
  const inTree = (path: string) => {
    const dir = posix.dirname(path);
    let names = listings.get(dir);
    if (names === undefined) {
      const out = git(top, ["ls-tree", "-z", "--name-only", commit, dir === "." ? "." : `${dir}/`]).toString();
      listings.set(dir, (names = new Set(out.split("\0").filter(Boolean))));
    }
    return names.has(path);
  };
  // The same order esbuild tries on disk: the path, with each extension, a `.js` written for a `.ts`, then an index file.
  const resolveIn = (base: string) => [base, ...EXTENSIONS.map((e) => base + e), base.replace(/\.(m?)js$/, ".$1ts"), ...EXTENSIONS.map((e) => `${base}/index${e}`)]
    .find((p) => p !== "" && !p.startsWith("../") && inTree(p));
  const plugin: Plugin = {
    name: "git-revision",
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === "entry-point") return { path: config, namespace: "git" };
        if (!args.path.startsWith("./") && !args.path.startsWith("../")) return { path: args.path, external: true };
        const found = resolveIn(posix.normalize(posix.join(posix.dirname(args.importer), args.path)));
        return found === undefined ? { errors: [{ text: `cannot resolve "${args.path}" from ${args.importer} at this revision` }] } : { path: found, namespace: "git" };
      });
      b.onLoad({ filter: /.*/, namespace: "git" }, (args) => ({ contents: read(args.path), loader: loaderOf(args.path) }));
    },
  };
  try {
    await build({ entryPoints: [config], bundle: true, write: false, format: "esm", platform: "node", logLevel: "silent", plugins: [plugin] });
  } catch (error) {
    const first = (error as { errors?: { text: string }[] }).errors?.[0];
    throw new Error(`${config}: ${first?.text ?? String(error)}`);
  }
  return files;
}
