// The contract between the core and a target. A target is data plus pure functions:
// it declares what it can express, and turns the IR into files. It does no I/O.
import type { MeshIR, ProxyIR } from "./ir/types.ts";
import type { Diagnostic } from "./diagnostics/types.ts";

/** Every feature the IR can ask of a target. The core finds which ones a mesh uses (compiler/capabilities.ts). */
export const FEATURES = [
  "route.match.path.exact", "route.match.path.prefix", "route.match.path.string-prefix", "route.match.path.regex",
  "route.match.method", "route.match.header", "route.match.query", "route.match.hostnames",
  "route.split", "route.rewrite.prefix", "route.rewrite.path", "route.rewrite.regex", "route.rewrite.host",
  "route.redirect", "route.direct-response", "route.headers.request", "route.headers.response",
  "route.mirror", "route.timeout", "route.retries", "route.retries.per-try-timeout",
  "route.retries.grpc-conditions", "route.retries.idempotent-only",
  "route.fault.delay", "route.fault.abort", "route.tcp",
  "lb.round-robin", "lb.least-request", "lb.random", "lb.hash.header", "lb.hash.cookie", "lb.hash.source-ip",
  "cluster.connection-limits", "cluster.outlier-detection", "cluster.health-check", "cluster.dns-discovery",
  "inbound.mtls.strict", "inbound.mtls.permissive", "inbound.authz.principal", "inbound.authz.method",
  "inbound.authz.path", "inbound.authz.header", "inbound.rate-limit", "inbound.jwt",
  "upstream.peer-identity", "gateway.tls", "egress.tls-origination",
  "observability.access-log", "observability.metrics", "observability.request-id",
] as const;
export type Feature = (typeof FEATURES)[number];

/**
 * How a target handles a feature.
 * - full: expressed with the same meaning as everywhere else.
 * - partial: expressed, with a documented difference (reported as info).
 * - none: cannot be expressed. `security: true` marks features whose absence weakens
 *   what the mesh promises (authorization, mTLS, JWT, rate limits): reported as an error;
 *   otherwise a warning. Never a silent drop.
 */
export type Support =
  | { readonly support: "full" }
  | { readonly support: "partial"; readonly note: string }
  | { readonly support: "none"; readonly hint: string; readonly security: boolean }
  | { readonly support: "not-applicable" };

export type Capabilities = { readonly [F in Feature]: Support };

export interface EmittedFile {
  /** Relative to the bundle root, forward slashes: `envoy/web.yaml`. */
  readonly path: string;
  readonly content: string;
}

export interface EmitResult {
  readonly files: readonly EmittedFile[];
  readonly diagnostics: readonly Diagnostic[];
}

export interface Target {
  /** Folder name in the bundle and value of `--target`. */
  readonly name: "envoy" | "nginx" | "haproxy" | "kubernetes" | "certs";
  readonly description: string;
  readonly capabilities: Capabilities;
  /** Pure: same IR, same bytes. Files land under `<name>/` in the bundle. */
  emit(ir: MeshIR): EmitResult;
  /**
   * Optional: the same files one proxy at a time, so the pipeline can emit, verify, write and
   * release each proxy's files in turn (memory bounded by the largest proxy, not the mesh)
   * and watch mode can re-emit only the proxies whose IR changed. `emit(ir)` must equal
   * `shared()` plus `proxy(p)` for every proxy of `ir.proxies` (`emitByProxy` builds it so).
   */
  perProxy?(ir: MeshIR): ProxyEmitter;
  /**
   * Optional, for a target without `perProxy` (certs): what `emit(ir)` reads, as named parts
   * of the IR outside the proxies (`rest`) and each proxy's part (`proxy`, a pure function of
   * the proxy). Watch mode keys the target's files by them (emit-keys.ts), so a save that
   * changes nothing it reads does not emit it again; without it, by the whole IR.
   */
  readonly reads?: {
    rest(ir: MeshIR): Readonly<Record<string, unknown>>;
    proxy(proxy: ProxyIR): unknown;
  };
}

/**
 * One IR's emitter, proxy by proxy; holds what every proxy shares (compiled templates).
 * `proxy(p)` reads `p` and, of the rest of the IR, only `version`, `mesh` and `runtime`, or,
 * for an emitter with `inputOf`, exactly the IR `inputOf(p)` returns: watch mode reuses a
 * proxy's files while those are unchanged (test/core/stream-bundle.test.ts checks the contract
 * for every target that emits per proxy).
 */
export interface ProxyEmitter {
  /** The files of `proxy` (one of the IR's proxies); pure. */
  proxy(proxy: ProxyIR): EmitResult;
  /** Files that belong to no single proxy (none for today's proxy targets; the Kubernetes kustomizations). */
  shared(): EmitResult;
  /**
   * For an emitter whose proxy files read more than the proxy (the Kubernetes target reads
   * the proxy's workload from the infra IR): the IR reduced to what `proxy(p)` reads. Emitting
   * `p` from it gives the same files; the memo keys the proxy's files by it.
   */
  inputOf?(proxy: ProxyIR): MeshIR;
  /**
   * Optional: what `shared()` reads, as named parts (each an IR object where it can be, so
   * watch mode digests an unchanged one by identity); the memo keys the shared files by it
   * instead of the whole IR. The Kubernetes kustomizations read names and the infra, not routes.
   */
  sharedInput?(): Readonly<Record<string, unknown>>;
}

/** `emit` for a target that emits proxy by proxy: shared files, then each proxy's. */
export function emitByProxy(perProxy: (ir: MeshIR) => ProxyEmitter, ir: MeshIR): EmitResult {
  const emitter = perProxy(ir);
  const files: EmittedFile[] = [];
  const diagnostics: Diagnostic[] = [];
  const take = (r: EmitResult) => {
    // Loops, not push(...): 10,000 proxies emit more files than call arguments fit.
    for (const f of r.files) files.push(f);
    for (const d of r.diagnostics) diagnostics.push(d);
  };
  take(emitter.shared());
  for (const proxy of ir.proxies) take(emitter.proxy(proxy));
  return { files, diagnostics };
}

/**
 * Checks a target's emitted files with the real thing (Envoy protos, `nginx -t`,
 * `haproxy -c`, Kubernetes schemas). Runs after emit, outside the pure pipeline.
 * Findings are MESH4xxx diagnostics whose `file` is the bundle path and `line` the output line.
 */
export interface Verifier {
  readonly target: Target["name"];
  /** Run on every compile unless `--no-verify`; otherwise only with `--verify`. */
  readonly defaultOn: boolean;
  /** Null when the tool it needs is here; otherwise what is missing and how to install it. */
  missing(): string | null;
  verify(files: readonly EmittedFile[], ir: MeshIR): Promise<readonly Diagnostic[]>;
  /**
   * Optional, for the streamed pipeline, for a verifier with whole-bundle checks (the Kubernetes
   * kustomizations list every proxy's files): one compile's check. `verify` checks one chunk's
   * files (the shared files with the whole IR, each chunk with its proxies'; `verify` above
   * must also accept a chunk, without the whole-bundle checks), `written` gets the path of every
   * file handed to the bundle (written or kept by a memo), and `end` runs the whole-bundle
   * checks once, from what the run kept (paths, never every file), when no error was found.
   */
  begin?(ir: MeshIR): VerifierRun;
}

export interface VerifierRun {
  verify(files: readonly EmittedFile[], scope: MeshIR): Promise<readonly Diagnostic[]>;
  written(paths: readonly string[]): void;
  end(): readonly Diagnostic[];
}
