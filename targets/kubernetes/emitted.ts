// The objects the emitter serialized, keyed by the EmittedFile it wrote them to, so the
// verifier in the pipeline checks the objects instead of parsing thousands of YAML files
// back (parsing was about 90% of the verifier's time on a 1,000-service mesh).
//
// Sound because the serializer is: toYaml(x) reads back as exactly x under YAML 1.1 and
// 1.2 (test/core/serialize.test.ts), and an entry is used only while the file still has
// the path and the very text written from it; any other file (a test's edited copy, a
// bundle read from disk) goes through the text path.
import type { EmittedFile } from "../../compiler/target.ts";
import type { Filled } from "./manifest-text.ts";

interface Entry {
  /** The file the entry was recorded on: a copy of it (a spread copies the symbol member) is not the emitter's. */
  readonly file: EmittedFile;
  readonly path: string;
  readonly content: string;
  /** The plain object `content` serializes (keys in any order; an undefined member is a key the text does not have). */
  readonly object: Record<string, unknown>;
  /** The template and strings `content` was filled from (manifest-text.ts), or null: template-check.ts checks such objects once per template and strings it reads. */
  readonly filled: Filled | null;
}

/**
 * The entry rides on the file itself, under a symbol no other code knows (a WeakMap entry per
 * file of the bundle was measurable). A copy of the file (a spread) carries the member too,
 * but not the identity the entry names: as with a WeakMap, only the very file recorded has one.
 */
const ENTRY: unique symbol = Symbol("meshc.kubernetes.emitted");
type Recorded = EmittedFile & { [ENTRY]?: Entry };

export function recordEmitted(file: EmittedFile, object: Record<string, unknown>, filled: Filled | null = null): void {
  (file as Recorded)[ENTRY] = { file, path: file.path, content: file.content, object, filled };
}

/** The object `file` was serialized from, if this process emitted it and its path and text are unchanged. */
export function emittedObjectOf(file: EmittedFile): Record<string, unknown> | undefined {
  return emittedEntryOf(file)?.object;
}

/** What emittedObjectOf gives, with the template and strings the text was filled from. */
export function emittedEntryOf(file: EmittedFile): { readonly object: Record<string, unknown>; readonly filled: Filled | null } | undefined {
  const entry = (file as Recorded)[ENTRY];
  return entry !== undefined && entry.file === file && entry.path === file.path && entry.content === file.content ? entry : undefined;
}
