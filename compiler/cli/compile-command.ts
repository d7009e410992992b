// `meshc compile` and `meshc validate`.
import { dirname, relative, resolve } from "node:path";
import { checkOutDir, computeDrift, lockDiagnostic, withLockFile, writeBundle } from "../bundle.ts";
import { privateKeyDiagnostics } from "../bundle-secrets.ts";
import { compileFile, hasErrors, type CompileResult } from "../compile.ts";
import { coreCodes } from "../diagnostics/codes.ts";
import { diagnostic } from "../diagnostics/define.ts";
import { summarizeDiagnostics, type DiagnosticFormat } from "../diagnostics/format.ts";
import type { Diagnostic } from "../diagnostics/types.ts";
import { toYaml } from "../serialize.ts";
import { parseTargetList, printDiagnostics, unknownTargetMessage } from "./output.ts";

export interface CompileCommandOptions {
  out?: string; target?: string; check?: boolean; emit?: "ir"; typecheck?: boolean; verify?: boolean;
  adopt?: boolean; sidecar?: "envoy" | "nginx" | "haproxy"; gatewayClass?: string; imagePullPolicy?: "Always" | "IfNotPresent" | "Never"; certDir?: string; runDir?: string; logDir?: string; watch?: boolean; verbose?: boolean;
  format: DiagnosticFormat; validateOnly?: boolean;
}

function verifyMode(opts: CompileCommandOptions): "default" | "all" | "none" {
  // commander gives `verify: true` for --verify, `false` for --no-verify, undefined for neither.
  if (opts.verify === false) return "none";
  return opts.verify === true && process.argv.includes("--verify") ? "all" : "default";
}

async function compileOnce(config: string | undefined, opts: CompileCommandOptions, onInputs?: (files: readonly string[] | null) => void): Promise<number> {
  const started = performance.now();
  const cwd = process.cwd();
  const result: CompileResult = await compileFile(config, {
    cwd, targets: parseTargetList(opts.target), typecheck: opts.typecheck !== false, sidecar: opts.sidecar,
    kubernetes: { ...(opts.gatewayClass ? { gatewayClassName: opts.gatewayClass } : {}), ...(opts.imagePullPolicy ? { imagePullPolicy: opts.imagePullPolicy } : {}) },
    verify: opts.validateOnly ? "none" : verifyMode(opts),
    runtime: { certDir: opts.certDir ?? "/etc/meshc/certs", runDir: opts.runDir ?? "/var/run/meshc", logDir: opts.logDir ?? "/var/log/meshc" },
  });
  // A config that did not load still names the files at fault (a module file with a syntax error): watch those too, so fixing them recompiles.
  const named = [...new Set(result.diagnostics.flatMap((d) => (d.file ? [resolve(cwd, d.file)] : [])))];
  onInputs?.(result.config ? result.config.inputs : named.length > 0 ? named : null);
  const diagnostics: Diagnostic[] = [...result.diagnostics];
  const failed = hasErrors(diagnostics);
  if (failed || opts.validateOnly || !result.config) {
    printDiagnostics(diagnostics, opts.format, result.config, !!opts.verbose);
    if (opts.format !== "json") process.stderr.write(`meshc: ${failed ? "failed" : "valid"}: ${summarizeDiagnostics(diagnostics)}\n`);
    return failed || !result.config ? 1 : 0;
  }
  if (opts.emit === "ir") {
    // stdout holds the IR alone (YAML, or JSON with --format json); diagnostics go to stderr.
    printDiagnostics(diagnostics, opts.format === "json" ? "text" : opts.format, result.config, !!opts.verbose);
    process.stdout.write(opts.format === "json" ? `${JSON.stringify(result.ir, null, 2)}\n` : toYaml(result.ir));
    return 0;
  }
  const files = withLockFile(result.files, result.config.digest);
  const outDir = opts.out ?? "mesh-bundle";
  const projectRoots = [cwd, dirname(result.config.absolutePath)];
  if (opts.check) {
    const forged = [...lockDiagnostic(outDir), ...privateKeyDiagnostics(outDir)];
    if (forged.length > 0) {
      printDiagnostics([...diagnostics, ...forged], opts.format, result.config, !!opts.verbose);
      return 1;
    }
    const drift = computeDrift(outDir, files);
    const stale = [...drift.added.map((f) => `added ${f}`), ...drift.changed.map((f) => `changed ${f}`), ...drift.removed.map((f) => `removed ${f}`)];
    if (stale.length) {
      diagnostics.push(diagnostic(coreCodes.staleBundle, { message: `${outDir} is stale: ${stale.length} file(s) differ:\n    ${stale.join("\n    ")}`, file: outDir, hint: `run meshc compile ${relative(cwd, result.config.absolutePath)} --out ${outDir} and commit the result` }));
    }
    printDiagnostics(diagnostics, opts.format, result.config, !!opts.verbose);
    if (opts.format !== "json") process.stderr.write(`meshc: ${stale.length ? "stale" : "up to date"}: ${outDir} (${files.length} files checked)\n`);
    return stale.length ? 1 : 0;
  }
  diagnostics.push(...checkOutDir(outDir, projectRoots, !!opts.adopt));
  if (!hasErrors(diagnostics)) diagnostics.push(...privateKeyDiagnostics(outDir));
  if (!hasErrors(diagnostics)) diagnostics.push(...writeBundle(outDir, files));
  printDiagnostics(diagnostics, opts.format, result.config, !!opts.verbose);
  if (hasErrors(diagnostics)) return 1;
  if (opts.format !== "json") {
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    process.stderr.write(`meshc: wrote ${files.length} files to ${outDir} (${result.targets.map((t) => t.name).join(", ")}) in ${seconds}s; ${summarizeDiagnostics(diagnostics)}\n`);
  }
  return 0;
}

export async function runCompile(config: string | undefined, opts: CompileCommandOptions): Promise<number> {
  const badTarget = await unknownTargetMessage(parseTargetList(opts.target));
  if (badTarget) { process.stderr.write(badTarget); return 2; } // usage error
  if (!opts.watch) return compileOnce(config, opts);
  const { findConfig, CONFIG_NAMES } = await import("../load/index.ts");
  const { watchAndCompile } = await import("./watch.ts");
  const cwd = process.cwd();
  // Until the config loads once, watch where it is (or would be).
  const found = findConfig(config, cwd);
  const initial = found ? [found] : config ? [resolve(cwd, config)] : CONFIG_NAMES.map((n) => resolve(cwd, n));
  return watchAndCompile(async () => {
    let inputs: readonly string[] | null = null;
    await compileOnce(config, opts, (files) => { inputs = files; });
    return inputs;
  }, initial);
}
