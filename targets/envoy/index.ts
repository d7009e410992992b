// The Envoy target: one complete v3 bootstrap per proxy (`envoy/<proxy>.yaml`), static
// resources only, so Envoy starts from the file alone with no control plane.
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";
import type { MeshIR, ProxyIR } from "../../compiler/ir/types.ts";
import { toYaml } from "../../compiler/serialize.ts";
import { emitByProxy, type EmitResult, type EmittedFile, type ProxyEmitter, type Target } from "../../compiler/target.ts";
import { buildBootstrap } from "./bootstrap.ts";
import { envoyCapabilities } from "./capabilities.ts";
import { createProxyContext } from "./context.ts";
import type { Json } from "./format.ts";
import { SharedSubtrees } from "./shared.ts";

export function envoyFilePath(proxyName: string): string {
  return `envoy/${proxyName}.yaml`;
}

export interface EnvoyBootstrap {
  readonly path: string;
  readonly bootstrap: Json;
}

/** The bootstrap objects before serialization (the verifier's fast path and benchmarks use them). */
export function buildEnvoyBootstraps(ir: MeshIR): { readonly bootstraps: readonly EnvoyBootstrap[]; readonly diagnostics: readonly Diagnostic[] } {
  const bootstraps: EnvoyBootstrap[] = [];
  const diagnostics: Diagnostic[] = [];
  const shared = new SharedSubtrees();
  for (const proxy of ir.proxies) {
    const built = buildEnvoyBootstrap(ir, proxy, shared);
    bootstraps.push({ path: built.path, bootstrap: built.bootstrap });
    diagnostics.push(...built.diagnostics);
  }
  return { bootstraps, diagnostics };
}

/** One proxy's bootstrap object, with its emit diagnostics. */
export function buildEnvoyBootstrap(ir: MeshIR, proxy: ProxyIR, shared = new SharedSubtrees()): EnvoyBootstrap & { readonly diagnostics: readonly Diagnostic[] } {
  const ctx = createProxyContext(proxy, envoyFilePath(proxy.name), shared);
  return { path: ctx.file, bootstrap: buildBootstrap(ctx, ir.mesh.name), diagnostics: ctx.diagnostics };
}

/**
 * The bootstrap object an emitted file is the serialization of, carried on the file under a
 * symbol (not enumerable: copies, JSON and structured clones of the file drop it), so the
 * verifier walks the object that was serialized instead of building every bootstrap a second
 * time (0.3 s at 1,000 services). It lives as long as the file object, nowhere else.
 */
const BOOTSTRAP = Symbol("meshc.envoy.bootstrap");

/** The object `file` was serialized from, when it came straight from this emitter. */
export function bootstrapOf(file: EmittedFile): Json | undefined {
  return (file as { [BOOTSTRAP]?: Json })[BOOTSTRAP];
}

/**
 * The verifier's findings on a file's bootstrap, checked the moment it was serialized (the
 * verifier asked for it: `checkAsEmitted`), carried like BOOTSTRAP. The file then holds no
 * bootstrap: the object tree dies right after its emit instead of living through its chunk
 * (16 proxies, every target's emit of them), where the young generation's collector copied it.
 */
const CHECKED = Symbol("meshc.envoy.checked");

/** Checks one bootstrap object just serialized to `content` (the file at `path`). */
export type BootstrapCheck = (path: string, bootstrap: Json, content: string) => readonly Diagnostic[];

/** By IR: the check the verifier runs on every bootstrap emitted from it, while its run lasts. */
const CHECK_AS_EMITTED = new WeakMap<MeshIR, BootstrapCheck>();

/** From now on (or no more: null), every bootstrap emitted from `ir` is checked by `check` as it is serialized. */
export function checkAsEmitted(ir: MeshIR, check: BootstrapCheck | null): void {
  if (check === null) CHECK_AS_EMITTED.delete(ir);
  else CHECK_AS_EMITTED.set(ir, check);
}

/** What `checkAsEmitted`'s check found in `file`'s bootstrap, when it came straight from this emitter under one. */
export function checkedOf(file: EmittedFile): readonly Diagnostic[] | undefined {
  return (file as { [CHECKED]?: readonly Diagnostic[] })[CHECKED];
}

/** One proxy's bootstrap file. */
function emitEnvoyProxy(ir: MeshIR, proxy: ProxyIR, shared: SharedSubtrees): EmitResult {
  const ctx = createProxyContext(proxy, envoyFilePath(proxy.name), shared);
  const bootstrap = buildBootstrap(ctx, ir.mesh.name);
  const file: EmittedFile = { path: ctx.file, content: toYaml(bootstrap) };
  const check = CHECK_AS_EMITTED.get(ir);
  // The very object just serialized, untouched since: the same check as the verifier's walk of it later.
  if (check !== undefined) Object.defineProperty(file, CHECKED, { value: check(file.path, bootstrap, file.content), enumerable: false });
  else Object.defineProperty(file, BOOTSTRAP, { value: bootstrap, enumerable: false });
  return { files: [file], diagnostics: ctx.diagnostics };
}

function perProxyWith(ir: MeshIR, shared: SharedSubtrees): ProxyEmitter {
  return {
    proxy: (proxy) => emitEnvoyProxy(ir, proxy, shared),
    shared: () => ({ files: [], diagnostics: [] }),
  };
}

// One set of shared subtrees per emitter: it lives as long as this emit of this IR.
export const envoyPerProxy = (ir: MeshIR): ProxyEmitter => perProxyWith(ir, new SharedSubtrees());

export function emitEnvoy(ir: MeshIR): EmitResult {
  return emitByProxy(envoyPerProxy, ir);
}

/** The same files with no subtree shared between builders (shared.ts): the tests' reference. */
export function emitEnvoyUnshared(ir: MeshIR): EmitResult {
  return emitByProxy((i) => perProxyWith(i, new SharedSubtrees(false)), ir);
}

export const envoy: Target = {
  name: "envoy",
  description: "Envoy v3 bootstrap per proxy (static listeners and clusters), checked against the Envoy API protos",
  capabilities: envoyCapabilities,
  emit: emitEnvoy,
  perProxy: envoyPerProxy,
};
