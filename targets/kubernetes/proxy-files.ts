// The proxy target's files, grouped once by the proxy that owns them, so each workload's
// ConfigMap takes its proxy's files from a map instead of scanning every file of the mesh
// (that scan, per workload, made the emit quadratic: 44 s of 106 s at 10,000 services).
import type { EmittedFile } from "../../compiler/target.ts";

/** A file of a proxy's ConfigMap and its key there (ConfigMap keys cannot hold `/`, so `/` becomes `__`). */
export interface ProxyFile {
  readonly key: string;
  readonly file: EmittedFile;
}

export interface ProxyFileIndex {
  /** The proxy's own files and every file no proxy owns, in the proxy target's order. */
  filesOf(proxy: string): readonly ProxyFile[];
  /** Only the proxy's own files (`<proxy>.<ext>`, `<proxy>/**`), in the proxy target's order. */
  ownFilesOf(proxy: string): readonly EmittedFile[];
}

/** The proxy a file belongs to (`<proxy>.<ext>`, `<proxy>/**`), or null for a file no proxy owns. */
function ownerOf(path: string, proxies: ReadonlySet<string>): string | null {
  // Proxy names are DNS labels (no dots): a file `<proxy>.<anything>` or folder `<proxy>/` is that proxy's.
  const slash = path.indexOf("/");
  const name = slash >= 0 ? path.slice(0, slash) : path.split(".")[0]!;
  return proxies.has(name) ? name : null;
}

export function indexProxyFiles(files: readonly EmittedFile[], proxies: ReadonlySet<string>): ProxyFileIndex {
  const own = new Map<string, { at: number; file: EmittedFile }[]>();
  const shared: { at: number; file: EmittedFile }[] = [];
  files.forEach((file, at) => {
    const owner = ownerOf(file.path, proxies);
    if (owner === null) shared.push({ at, file });
    else (own.get(owner) ?? own.set(owner, []).get(owner)!).push({ at, file });
  });
  const merged = new Map<string, ProxyFile[]>();
  const filesOf = (proxy: string): readonly ProxyFile[] => {
    let out = merged.get(proxy);
    if (out) return out;
    // Both lists are in the target's order: merging them keeps it, in time linear in their lengths.
    const mine = own.get(proxy) ?? [];
    out = [];
    for (let i = 0, j = 0; i < mine.length || j < shared.length;) {
      const next = j >= shared.length || (i < mine.length && mine[i]!.at < shared[j]!.at) ? mine[i++]! : shared[j++]!;
      out.push({ key: next.file.path.replaceAll("/", "__"), file: next.file });
    }
    merged.set(proxy, out);
    return out;
  };
  return { filesOf, ownFilesOf: (proxy) => (own.get(proxy) ?? []).map((f) => f.file) };
}
