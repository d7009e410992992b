// The nginx target: one complete nginx.conf per proxy, rendered from a typed view model.
// Pure: the templates were read at module load; emit touches no disk, clock or env.
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";
import { diagnostic } from "../../compiler/diagnostics/define.ts";
import type { EmittedFile, Target } from "../../compiler/target.ts";
import { nginxCapabilities } from "./capabilities.ts";
import { NGINX_CODES } from "./codes.ts";
import { renderProxyConf } from "./render.ts";
import { buildProxyView } from "./view.ts";
import { njsFileName } from "./view/njs.ts";

export const nginx: Target = {
  name: "nginx",
  description: "nginx OSS (1.22, nginx-light): one nginx.conf per sidecar and gateway",
  capabilities: nginxCapabilities,
  emit(ir) {
    const files: EmittedFile[] = [];
    const diagnostics: Diagnostic[] = [];
    for (const proxy of ir.proxies) {
      const path = `nginx/${proxy.name}.conf`;
      if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(proxy.name)) {
        diagnostics.push(diagnostic(NGINX_CODES.invalidIdentifier, { message: `proxy name ${JSON.stringify(proxy.name)} is not a DNS-1123 label`, path: "proxies" }));
        continue;
      }
      const built = buildProxyView(ir, proxy, path);
      diagnostics.push(...built.diagnostics);
      try {
        files.push({ path, content: renderProxyConf(built.view) });
        if (built.njsModule !== null) files.push({ path: `nginx/${njsFileName(proxy.name)}`, content: built.njsModule });
      } catch (error) {
        diagnostics.push(diagnostic(NGINX_CODES.internalTemplateError, { message: `${proxy.name}: ${(error as Error).message}`, file: path }));
      }
    }
    // A rejected value leaves its directive out, so a bundle with errors must not ship.
    const failed = diagnostics.some((d) => d.severity === "error");
    return { files: failed ? [] : files, diagnostics };
  },
};
