// The HAProxy target: one complete `haproxy/<proxy>.cfg` per proxy, run as
// `haproxy -db -f FILE`, and beside it `haproxy/<proxy>.lua` (identity-lua.ts) when a
// listener verifies client certificates. Pure: the view is built from the IR, checked,
// then rendered.
import { emitByProxy, type EmitResult, type EmittedFile, type ProxyEmitter, type Target } from "../../compiler/target.ts";
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";
import { diagnostic } from "../../compiler/diagnostics/define.ts";
import type { MeshIR, ProxyIR } from "../../compiler/ir/types.ts";
import { haproxyCapabilities } from "./capabilities.ts";
import { haproxyCodes } from "./codes.ts";
import { createBuildContext, type PathAcls, type Re2Verdicts, type SharedWords } from "./context.ts";
import { buildConfigView } from "./build-proxy.ts";
import { checkLineLimits } from "./limits.ts";
import { createRenderer } from "./render.ts";
import { haproxyLuaPath, IDENTITY_LUA } from "./identity-lua.ts";

export const haproxyFilePath = (proxyName: string) => `haproxy/${proxyName}.cfg`;

/** One proxy's config (and Lua file); `render` is the compiled templates, `verdicts` and `shared` the RE2 and mesh-wide word memos, shared by all proxies. */
function emitHaproxyProxy(render: ReturnType<typeof createRenderer>, verdicts: Re2Verdicts, shared: SharedWords, domains: WeakMap<object, unknown>, paths: PathAcls, proxy: ProxyIR): EmitResult {
  const path = haproxyFilePath(proxy.name);
  const ctx = createBuildContext(path, verdicts, shared, domains, paths);
  const view = buildConfigView(ctx, proxy);
  const diagnostics: Diagnostic[] = [...ctx.diagnostics];
  // A proxy whose values cannot be written is left out whole: never a partial file.
  if (ctx.diagnostics.some((d) => d.severity === "error")) return { files: [], diagnostics };
  let content: string;
  try {
    content = render(view);
  } catch (error) {
    diagnostics.push(diagnostic(haproxyCodes.internalRender, { message: String(error), file: path }));
    return { files: [], diagnostics };
  }
  const limits = checkLineLimits(path, content);
  diagnostics.push(...limits);
  if (limits.length > 0) return { files: [], diagnostics };
  const files: EmittedFile[] = [{ path, content }];
  if (view.lua !== null) files.push({ path: haproxyLuaPath(proxy.name), content: IDENTITY_LUA });
  return { files, diagnostics };
}

function haproxyPerProxy(_ir: MeshIR): ProxyEmitter {
  // Cheap: the template set is compiled once per process (compiler/handlebars-templates.ts).
  const render = createRenderer();
  const verdicts: Re2Verdicts = new Map();
  const shared: SharedWords = new WeakMap();
  const domains = new WeakMap<object, unknown>();
  const paths: PathAcls = new Map();
  return { proxy: (proxy) => emitHaproxyProxy(render, verdicts, shared, domains, paths, proxy), shared: () => ({ files: [], diagnostics: [] }) };
}

const emitHaproxy = (ir: MeshIR) => emitByProxy(haproxyPerProxy, ir);

export const haproxy: Target = {
  name: "haproxy",
  description: "HAProxy 2.6+ configuration, one file per sidecar and gateway (haproxy -db -f FILE)",
  capabilities: haproxyCapabilities,
  emit: emitHaproxy,
  perProxy: haproxyPerProxy,
};
