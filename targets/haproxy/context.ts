// Collects diagnostics while the view is built: every user value is checked with
// `encodeWord` (the same function the template helper uses) where its IR origin is known.
import { diagnostic } from "../../compiler/diagnostics/define.ts";
import type { Diagnostic } from "../../compiler/diagnostics/types.ts";
import { haproxyCodes } from "./codes.ts";
import { RE2JS } from "re2js";
import { acceptedText, encodeWord, textWord, type Word } from "./words.ts";
import type { AclView } from "./view.ts";

export interface BuildContext {
  /** The bundle file being built, for diagnostics about it. */
  readonly file: string;
  readonly diagnostics: Diagnostic[];
  /** Returns the word, checked (its encoded text), or unchanged when rejected: a rejection becomes a MESH3200 at `origin`. */
  check(word: Word, origin: string, field: string): Word;
  /**
   * `check(build())` for a word made from a mesh-wide IR value every proxy holds by identity
   * (`owner`: the cipher list, the access log's fields) and `variant` (what was made from it):
   * built and checked once per emitter, kept only when the check passed, so a failing value
   * is reported by every proxy as before.
   */
  checkShared(owner: object, variant: string, build: () => Word, origin: string, field: string): Word;
  /** Checks the pattern compiles as RE2, then as a word. */
  checkRegex(pattern: string, origin: string, field: string): Word;
  /**
   * A cluster's server lines by cluster and mode, for the proxy being built: every route to a
   * service has a backend of its own, with the same servers (build-backend.ts); kept only when
   * building them reported nothing.
   */
  readonly servers: Map<object, unknown>;
  /** Host selectors by IR domains array (build-routes.ts DomainSelectors): one memo per emitter, like Re2Verdicts. */
  readonly domains: WeakMap<object, unknown>;
  /** Path ACLs by match kind, value and ACL name (build-match.ts pathAcl): one memo per emitter, like Re2Verdicts. */
  readonly paths: PathAcls;
}

export type PathAcls = Map<string, Map<string, Map<string, AclView>>>;

/**
 * Whether a pattern compiles as RE2 (null) or why not, per pattern: the same path patterns
 * repeat on every proxy that routes to a service, and compiling is the costly part. One
 * memo per emitter (one IR), shared by its proxies' contexts: no state outlives the compile.
 */
export type Re2Verdicts = Map<string, string | null>;

function re2Error(pattern: string, verdicts: Re2Verdicts): string | null {
  let verdict = verdicts.get(pattern);
  if (verdict === undefined) {
    try {
      RE2JS.compile(pattern);
      verdict = null;
    } catch (error) {
      verdict = (error as Error).message;
    }
    verdicts.set(pattern, verdict);
  }
  return verdict;
}

/** The words checkShared kept, by IR value and variant: one per emitter (one IR), like Re2Verdicts. */
export type SharedWords = WeakMap<object, Map<string, Word>>;

export function createBuildContext(file: string, verdicts: Re2Verdicts = new Map(), shared: SharedWords = new WeakMap(), domains: WeakMap<object, unknown> = new WeakMap(),
  paths: PathAcls = new Map()): BuildContext {
  const diagnostics: Diagnostic[] = [];
  return {
    file, diagnostics, servers: new Map(), domains, paths,
    check(word, origin, field) {
      const text = acceptedText(word);
      if (text !== null) return { word: "checked", text };
      const encoded = encodeWord(word);
      if (!encoded.ok) {
        diagnostics.push(diagnostic(haproxyCodes.valueRejected, {
          message: `${field}: ${encoded.reason}`, path: origin,
          hint: "Use characters HAProxy can carry; names must match [A-Za-z0-9_.:-].",
        }));
      }
      return word;
    },
    checkShared(owner, variant, build, origin, field) {
      let byVariant = shared.get(owner);
      const known = byVariant?.get(variant);
      if (known !== undefined) return known;
      const word = this.check(build(), origin, field);
      if (word.word !== "checked") return word;
      if (byVariant === undefined) shared.set(owner, (byVariant = new Map()));
      byVariant.set(variant, word);
      return word;
    },
    checkRegex(pattern, origin, field) {
      const error = re2Error(pattern, verdicts);
      if (error !== null) diagnostics.push(diagnostic(haproxyCodes.regexRejected, { message: `${field}: ${error}`, path: origin }));
      return this.check(textWord(pattern), origin, field);
    },
  };
}
