import type { Diagnostic } from "../diagnostics/types.ts";
import type { Origin, ModuleInfo } from "./modules.ts";

export type PathSegment = string | number;
export interface Position {
  readonly line: number;
  readonly column: number;
  /** Absolute path of the file, when it is not the config itself (a team module the config imports, a module file a data config lists). */
  readonly file?: string;
}

/** Maps a JSON path of the config value to where the user wrote it. */
export type Locator = (path: readonly PathSegment[]) => Position | null;

export interface LoadedConfig {
  /** Display path: relative to the working directory, forward slashes. */
  readonly file: string;
  readonly absolutePath: string;
  readonly format: "ts" | "yaml" | "json" | "toml";
  /** The raw config value, before any check. */
  readonly value: unknown;
  readonly sourceText: string;
  /** Built on first use: only a config with diagnostics pays for it. */
  readonly locator: () => Promise<Locator>;
  /** Every local file the config read (the config and, for .ts, its imports), absolute. */
  readonly inputs: readonly string[];
  /** Module files a data config lists: display path -> text (for the excerpts under diagnostics placed there). */
  readonly moduleSources?: ReadonlyMap<string, string>;
  /** sha256 over the inputs' contents, for the lock file. */
  readonly digest: string;
  /**
   * Every string of `value`, keys included, is known to be clean for the character check
   * (analyze/characters.ts): set for a data-only .ts config whose JSON text shows no character
   * the check reports and no escape that could make one (typescript.ts dataOnlyValue). The
   * limits walk then skips its per-string scan. Unset: unknown, every string is scanned.
   */
  readonly plainStrings?: boolean;
  /** Set when the config composes team modules: `value` is then the flat mesh (./modules.ts). */
  readonly composition?: Composed;
}

export interface Composed {
  /** The value as the config wrote it, with its `modules`. */
  readonly written: unknown;
  /** Flat part path (`routes[57]`) -> where it was written (`modules[3].routes[2]`). */
  readonly origins: ReadonlyMap<string, Origin>;
  readonly modules: readonly ModuleInfo[];
  /** Found while merging (a name declared twice, a malformed module). */
  readonly diagnostics: readonly Diagnostic[];
}

export interface LoadResult {
  readonly config: LoadedConfig | null;
  readonly diagnostics: readonly Diagnostic[];
}
