// The nginx target: one complete nginx.conf per proxy, rendered from a typed view model.
// Pure: the templates were read at module load; emit touches no disk, clock or env.
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";
import { diagnostic } from "../../compiler/diagnostics/define.ts";
import type { MeshIR, ProxyIR } from "../../compiler/ir/types.ts";
import { emitByProxy, type EmitResult, type EmittedFile, type ProxyEmitter, type Target } from "../../compiler/target.ts";
import { nginxCapabilities } from "./capabilities.ts";
import { NGINX_CODES } from "./codes.ts";
import { renderProxyConf } from "./render.ts";
import { buildProxyView } from "./view.ts";
import { createViewCache, type ViewCache } from "./view/context.ts";
import { njsFileName } from "./view/njs.ts";

/** One proxy's nginx.conf, plus its njs module when it has one. */
function emitNginxProxy(ir: MeshIR, proxy: ProxyIR, cache: ViewCache): EmitResult {
  const path = `nginx/${proxy.name}.conf`;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(proxy.name)) {
    return { files: [], diagnostics: [diagnostic(NGINX_CODES.invalidIdentifier, { message: `proxy name ${JSON.stringify(proxy.name)} is not a DNS-1123 label`, path: "proxies" })] };
  }
  const built = buildProxyView(ir, proxy, path, cache);
  const diagnostics: Diagnostic[] = [...built.diagnostics];
  const files: EmittedFile[] = [];
  try {
    files.push({ path, content: renderProxyConf(built.view) });
    if (built.njsModule !== null) files.push({ path: `nginx/${njsFileName(proxy.name)}`, content: built.njsModule });
  } catch (error) {
    diagnostics.push(diagnostic(NGINX_CODES.internalTemplateError, { message: `${proxy.name}: ${(error as Error).message}`, file: path }));
  }
  return { files, diagnostics };
}

function nginxPerProxy(ir: MeshIR): ProxyEmitter {
  const cache = createViewCache();
  return { proxy: (proxy) => emitNginxProxy(ir, proxy, cache), shared: () => ({ files: [], diagnostics: [] }) };
}

export const nginx: Target = {
  name: "nginx",
  description: "nginx OSS (1.22, nginx-light): one nginx.conf per sidecar and gateway",
  capabilities: nginxCapabilities,
  emit(ir) {
    const { files, diagnostics } = emitByProxy(nginxPerProxy, ir);
    // A rejected value leaves its directive out, so a bundle with errors must not ship.
    // (The streaming pipeline writes nothing when any diagnostic is an error.)
    const failed = diagnostics.some((d) => d.severity === "error");
    return { files: failed ? [] : files, diagnostics };
  },
  perProxy: nginxPerProxy,
};
