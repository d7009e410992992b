// Loads mesh.config.ts with a real TypeScript loader: esbuild bundles the config and the
// local modules it imports in memory (`meshc` resolves to this package's DSL), and the
// result is evaluated from a data: URL. Nothing is written to disk, every load is fresh
// (watch mode sees edits to imported files), and esbuild's metafile lists the inputs.
import { build } from "esbuild";
import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

// index.ts in the repository, index.js in the package's dist/: the DSL's extension is ours.
const HERE = fileURLToPath(import.meta.url);
const DSL_ENTRY = join(dirname(HERE), "..", "dsl", `index${extname(HERE)}`);

export interface EvaluatedConfig {
  readonly value: unknown;
  readonly inputs: readonly string[];
}

export type EvaluateFailure = { readonly kind: "syntax" | "runtime"; readonly message: string; readonly file: string | null; readonly line: number; readonly column: number };

export async function evaluateTypescriptConfig(absolutePath: string): Promise<EvaluatedConfig | EvaluateFailure> {
  let bundled: string;
  let inputs: string[];
  try {
    const result = await build({
      entryPoints: [absolutePath],
      bundle: true,
      write: false,
      format: "esm",
      platform: "node",
      target: "node20",
      metafile: true,
      logLevel: "silent",
      alias: { meshc: DSL_ENTRY },
      absWorkingDir: dirname(absolutePath),
    });
    bundled = result.outputFiles[0]!.text;
    inputs = Object.keys(result.metafile.inputs)
      .map((p) => resolve(dirname(absolutePath), p))
      .filter((p) => p !== DSL_ENTRY && !p.includes("/node_modules/"))
      .sort();
  } catch (error) {
    const first = (error as { errors?: { text: string; location?: { file: string; line: number; column: number } }[] }).errors?.[0];
    return {
      kind: "syntax", message: first?.text ?? String(error),
      file: first?.location ? resolve(dirname(absolutePath), first.location.file) : absolutePath,
      line: first?.location?.line ?? 0, column: (first?.location?.column ?? -1) + 1,
    };
  }
  try {
    const mod = (await import(`data:text/javascript;base64,${Buffer.from(bundled).toString("base64")}`)) as { default?: unknown };
    return { value: mod.default, inputs };
  } catch (error) {
    return { kind: "runtime", message: error instanceof Error ? error.message : String(error), file: absolutePath, line: 0, column: 0 };
  }
}
