// What every builder of one proxy's bootstrap may read, and where emit-time diagnostics go.
import type { ClusterIR, ProxyIR } from "../../compiler/ir/types.ts";
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";
import { diagnostic, type CodeInfo } from "../../compiler/diagnostics/define.ts";
import { SharedSubtrees } from "./shared.ts";

export interface ProxyContext {
  readonly proxy: ProxyIR;
  /** Bundle path of the file being built, e.g. `envoy/web.yaml`. */
  readonly file: string;
  readonly clusters: ReadonlyMap<string, ClusterIR>;
  readonly diagnostics: Diagnostic[];
  /** Subtrees shared with the other proxies of the same emit (shared.ts). */
  readonly shared: SharedSubtrees;
}

export function createProxyContext(proxy: ProxyIR, file: string, shared: SharedSubtrees = new SharedSubtrees()): ProxyContext {
  return { proxy, file, clusters: new Map(proxy.clusters.map((c) => [c.name, c])), diagnostics: [], shared };
}

/** Emit-time findings point at the user's config through the IR origin, not at the output. */
export function report(ctx: ProxyContext, info: CodeInfo, origin: string, message: string, hint?: string): void {
  ctx.diagnostics.push(diagnostic(info, { message: `${ctx.proxy.name}: ${message}`, path: origin, hint: hint ?? null }));
}
