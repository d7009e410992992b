// The Envoy target: one complete v3 bootstrap per proxy (`envoy/<proxy>.yaml`), static
// resources only, so Envoy starts from the file alone with no control plane.
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";
import type { MeshIR } from "../../compiler/ir/types.ts";
import { toYaml } from "../../compiler/serialize.ts";
import type { EmittedFile, EmitResult, Target } from "../../compiler/target.ts";
import { buildBootstrap } from "./bootstrap.ts";
import { envoyCapabilities } from "./capabilities.ts";
import { createProxyContext } from "./context.ts";

export function envoyFilePath(proxyName: string): string {
  return `envoy/${proxyName}.yaml`;
}

export function emitEnvoy(ir: MeshIR): EmitResult {
  const files: EmittedFile[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const proxy of ir.proxies) {
    const ctx = createProxyContext(proxy, envoyFilePath(proxy.name));
    files.push({ path: ctx.file, content: toYaml(buildBootstrap(ctx, ir.mesh.name)) });
    diagnostics.push(...ctx.diagnostics);
  }
  return { files, diagnostics };
}

export const envoy: Target = {
  name: "envoy",
  description: "Envoy v3 bootstrap per proxy (static listeners and clusters), checked against the Envoy API protos",
  capabilities: envoyCapabilities,
  emit: emitEnvoy,
};
