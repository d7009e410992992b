// Strict validation of the generated bootstraps against the real Envoy API (the protos
// of @grpc/grpc-js-xds, or the subset the build ships in dist: verify/protos.ts), plus the cross-references Envoy checks at start-up.
// Findings are MESH41xx diagnostics pointing at the output file's line and column.
import { diagnostic } from "../../compiler/diagnostics/define.ts";
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";
import type { MeshIR } from "../../compiler/ir/types.ts";
import type { EmittedFile, Verifier } from "../../compiler/target.ts";
import { ENVOY_CODES } from "./codes.ts";
import { bootstrapOf, buildEnvoyBootstrap, checkAsEmitted, checkedOf, emitEnvoy, envoyFilePath } from "./index.ts";
import { toYaml } from "../../compiler/serialize.ts";
import { formatPath, type Finding } from "./verify/findings.ts";
import { positionOf, parseYamlWithPositions, type ParsedYaml } from "./verify/positions.ts";
import { BOOTSTRAP_TYPE, missingEnvoyProtos } from "./verify/protos.ts";
import { loadEnvoyPlans, type PlanSet } from "./verify/type-plans.ts";
import { collectReferenceFindings } from "./verify/references.ts";
import { SchemaWalker } from "./verify/schema-walk.ts";
import { quickClean } from "./verify/quick-walk.ts";
import { SharedSubtrees } from "./shared.ts";

export { loadEnvoyProtos } from "./verify/protos.ts";

function toDiagnostic(file: string, parsed: ParsedYaml, finding: Finding): Diagnostic {
  const { line, column } = positionOf(parsed, finding.path, finding.atKey);
  return diagnostic(finding.info, { message: finding.message, file, line, column, path: formatPath(finding.path), hint: finding.hint });
}

function tryLoadProtos(file: string): PlanSet | Diagnostic {
  try {
    const plans = loadEnvoyPlans();
    // Resolved here, so that protos missing or failing to parse are one diagnostic, not a throw mid-walk.
    plans.type(BOOTSTRAP_TYPE);
    return plans;
  } catch (error) {
    return diagnostic(ENVOY_CODES.protosUnavailable, { message: `cannot load the Envoy API protos: ${(error as Error).message}`, file, hint: missingEnvoyProtos() });
  }
}

/** Checks an already parsed bootstrap (for callers that hold the object, e.g. benchmarks). */
export function collectBootstrapFindings(bootstrap: unknown, plans: PlanSet = loadEnvoyPlans()): Finding[] {
  // First without paths, in one loop (nearly every bootstrap has no finding); the walk with
  // paths only when it has some.
  let found: Finding[] = [];
  if (!quickClean(plans, bootstrap, BOOTSTRAP_TYPE)) {
    const walker = new SchemaWalker(plans);
    walker.walkRoot(bootstrap, BOOTSTRAP_TYPE);
    found = walker.findings;
  }
  return [...found, ...collectReferenceFindings(bootstrap)];
}

/** Validates one Envoy bootstrap YAML text; `file` is its bundle path (`envoy/web.yaml`). */
export function verifyEnvoyDocument(file: string, text: string): Diagnostic[] {
  const protos = tryLoadProtos(file);
  if (!("messageOf" in protos)) return [protos];
  const parsed = parseYamlWithPositions(text);
  if (parsed.errors.length > 0) {
    return parsed.errors.map((e) => {
      const { line, col } = parsed.lineCounter.linePos(e.offset);
      return diagnostic(ENVOY_CODES.yamlInvalid, { message: e.message, file, line, column: col });
    });
  }
  return collectBootstrapFindings(parsed.value, protos).map((f) => toDiagnostic(file, parsed, f));
}

/** Validates every `envoy/*.yaml` among the files; other targets' files are ignored. */
export function verifyEnvoyFiles(files: readonly EmittedFile[]): Diagnostic[] {
  return files.filter((f) => f.path.startsWith("envoy/") && f.path.endsWith(".yaml")).flatMap((f) => verifyEnvoyDocument(f.path, f.content));
}

export const envoyVerifier: Verifier = {
  target: "envoy",
  defaultOn: true,
  missing: missingEnvoyProtos,
  // In the pipeline the files are the emitter's serialization of this IR, so the walk runs
  // on the objects it serialized (parsing megabytes of YAML back costs 10x the walk);
  // findings still get file lines. verifyEnvoyFiles checks text from anywhere else.
  verify: async (files, ir) => verifyEnvoyIR(ir, files),
  // A streamed compile: each bootstrap is checked as it is emitted (index.ts checkAsEmitted),
  // so no bootstrap object outlives its own emit; the chunks' verify collects the findings.
  begin(ir) {
    const protos = tryLoadProtos("envoy");
    if ("messageOf" in protos) checkAsEmitted(ir, (path, bootstrap, content) => checkBootstrap(path, bootstrap, content, protos));
    return {
      // `this`: a verifier made from this one by spreading it (a test's wrapper) keeps its own verify.
      verify: async (files, scope) => this.verify(files, scope),
      written: () => {},
      end: () => { checkAsEmitted(ir, null); return []; },
    };
  },
};

const NONE: readonly Diagnostic[] = Object.freeze([]);

/** One bootstrap's findings as diagnostics; `text` (its serialization) is parsed only when there are some, for their lines. */
function checkBootstrap(path: string, bootstrap: unknown, text: string, protos: PlanSet): readonly Diagnostic[] {
  const findings = collectBootstrapFindings(bootstrap as Record<string, unknown>, protos);
  if (findings.length === 0) return NONE;
  const parsed = parseYamlWithPositions(text);
  return findings.map((f) => toDiagnostic(path, parsed, f));
}

/**
 * Fast path for benchmarks and in-process checks: walks the bootstrap objects the emitter
 * builds, skipping YAML text (parsing 3 MB of YAML costs far more than the walk). Only a
 * bootstrap with findings is serialized and parsed, to give them lines and columns. Every
 * proxy of `ir` is checked; where `emitted` holds its file straight from the emitter, the
 * walk takes the very object that file serializes (index.ts `bootstrapOf`), else it builds it.
 */
export function verifyEnvoyIR(ir: MeshIR, emitted: readonly EmittedFile[] = []): Diagnostic[] {
  const protos = loadEnvoyPlans();
  const diagnostics: Diagnostic[] = [];
  const serialized = new Map<string, unknown>();
  const checked = new Map<string, readonly Diagnostic[]>();
  // Bootstraps built here (files from elsewhere) share subtrees too, so each is walked once.
  const shared = new SharedSubtrees();
  for (const file of emitted) {
    const found = checkedOf(file);
    if (found !== undefined) { checked.set(file.path, found); continue; }
    const bootstrap = bootstrapOf(file);
    if (bootstrap !== undefined) serialized.set(file.path, bootstrap);
  }
  for (const proxy of ir.proxies) {
    const path = envoyFilePath(proxy.name);
    const found = checked.get(path);
    if (found !== undefined) { for (const d of found) diagnostics.push(d); continue; }
    const bootstrap = serialized.get(path) ?? buildEnvoyBootstrap(ir, proxy, shared).bootstrap;
    const findings = collectBootstrapFindings(bootstrap as Record<string, unknown>, protos);
    if (findings.length === 0) continue;
    const parsed = parseYamlWithPositions(toYaml(bootstrap));
    diagnostics.push(...findings.map((f) => toDiagnostic(path, parsed, f)));
  }
  return diagnostics;
}

export interface EnvoyTimings {
  /** Loading the protos (0 when they were already loaded in this process). */
  readonly loadMs: number;
  readonly emitMs: number;
  /** YAML parse with positions. */
  readonly parseMs: number;
  /** Schema walk + cross-references. */
  readonly checkMs: number;
  /** Build + walk of the same IR through verifyEnvoyIR (no YAML text). */
  readonly objectPathMs: number;
  readonly files: number;
  readonly bytes: number;
  readonly diagnostics: readonly Diagnostic[];
}

/** For benchmarks: emit and verify `ir`, timing each stage. Call twice to see warm numbers. */
export function measureEnvoy(ir: MeshIR): EnvoyTimings {
  let started = performance.now();
  loadEnvoyPlans().type(BOOTSTRAP_TYPE);
  const loadMs = performance.now() - started;
  started = performance.now();
  const { files } = emitEnvoy(ir);
  const emitMs = performance.now() - started;
  let parseMs = 0;
  let checkMs = 0;
  const diagnostics: Diagnostic[] = [];
  for (const file of files) {
    started = performance.now();
    const parsed = parseYamlWithPositions(file.content);
    parseMs += performance.now() - started;
    started = performance.now();
    diagnostics.push(...collectBootstrapFindings(parsed.value).map((f) => toDiagnostic(file.path, parsed, f)));
    checkMs += performance.now() - started;
  }
  started = performance.now();
  diagnostics.length === 0 && verifyEnvoyIR(ir);
  const objectPathMs = performance.now() - started;
  return { loadMs, emitMs, parseMs, checkMs, objectPathMs, files: files.length, bytes: files.reduce((n, f) => n + f.content.length, 0), diagnostics };
}
