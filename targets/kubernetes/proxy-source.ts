// Where the sidecar ConfigMaps' proxy configs come from. Whole (the in-memory emit): the
// proxy target's emit of the IR, shared with its own folder (shared-emit.ts) and indexed by
// proxy once. Per proxy (the streamed pipeline): the proxy target's files of that proxy,
// shared with its own folder's unit of the same chunk, plus the files no proxy owns.
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";
import type { MeshIR, ProxyIR } from "../../compiler/ir/types.ts";
import type { EmittedFile, Target } from "../../compiler/target.ts";
import { indexProxyFiles, type ProxyFileIndex } from "./proxy-files.ts";
import { addProxyReader, emitProxyShared, emitProxySharedFiles, emitShared, skipProxyShared } from "./shared-emit.ts";

export interface ProxyConfigSource {
  /** The proxy target's files for the proxy named `name` (null: files no proxy owns only), and the errors it reported for them. */
  of(name: string | null, proxy: ProxyIR | undefined): { readonly index: ProxyFileIndex; readonly errors: readonly Diagnostic[] };
  /** Errors not attributed to one proxy (the whole emit's), reported once with the shared files. */
  readonly wholeErrors: readonly Diagnostic[];
  /** The proxy named `proxy` will not be asked for (no workload of it carries a sidecar). */
  skip(proxy: ProxyIR): void;
}

const isError = (d: Diagnostic) => d.severity === "error";

/** The files under the proxy target's folder, with paths relative to it. */
function underFolder(target: Target, files: readonly EmittedFile[]): EmittedFile[] {
  const prefix = `${target.name}/`;
  return files.filter((f) => f.path.startsWith(prefix)).map((f) => ({ path: f.path.slice(prefix.length), content: f.content }));
}

export function wholeProxySource(target: Target, ir: MeshIR): ProxyConfigSource {
  const result = emitShared(target, ir);
  const index = indexProxyFiles(underFolder(target, result.files), new Set(ir.proxies.map((p) => p.name)));
  return { of: () => ({ index, errors: [] }), wholeErrors: result.diagnostics.filter(isError), skip: () => {} };
}

/** For a proxy target with perProxy; each proxy's result is taken from the bounded per-chunk cache. */
export function perProxySource(target: Target, ir: MeshIR): ProxyConfigSource {
  addProxyReader(target, ir);
  const shared = emitProxySharedFiles(target, ir);
  const sharedFiles = underFolder(target, shared.files);
  return {
    of: (name, proxy) => {
      if (name === null || proxy === undefined) return { index: indexProxyFiles(sharedFiles, new Set()), errors: [] };
      const own = emitProxyShared(target, ir, proxy);
      // Shared files first: the order of the whole emit (shared, then each proxy's), which the ConfigMap keeps.
      return { index: indexProxyFiles([...sharedFiles, ...underFolder(target, own.files)], new Set([name])), errors: own.diagnostics.filter(isError) };
    },
    wholeErrors: shared.diagnostics.filter(isError),
    skip: (proxy) => skipProxyShared(target, ir, proxy),
  };
}
