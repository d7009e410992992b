// Handlebars templates of the text targets (nginx, HAProxy), rendered by plain JavaScript
// functions compiled from them (compiler/template-compiler.ts), not by handlebars' runtime:
// at 1,000 services its lookups, frames and helper wrappers cost ~0.8 s of CPU and much of
// the garbage. In the package the build (scripts/build.js) writes each set compiled next to
// its render module, so a compile loads neither handlebars nor the compiler. From the
// sources (tests, development) nothing is compiled ahead and the set is compiled on first
// use: the same code. The templates stay the source of truth and handlebars the reference:
// `referenceTemplates` renders them with handlebars itself, and
// test/core/template-compiler.test.ts compares the two on every example and on random views.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { compileTemplateFactory, compileTemplateSet, type CompiledTemplate, type CompileOptions, type TemplateFactory, type TemplateHelpers } from "./template-compiler.ts";
import { templateRuntime } from "./template-runtime.ts";

export type { CompiledTemplate, TemplateHelpers } from "./template-compiler.ts";

export interface TemplateSet {
  /** The compiled set's path: a `.templates.cjs` next to the render module (built, never committed). */
  readonly precompiledPath: string;
  /** Handlebars options; strict is required (the compiler implements strict mode only). */
  readonly options: { readonly strict: true; readonly noEscape?: boolean };
  /** The templates usable as partials (`{{> name}}`). */
  readonly partials: readonly string[];
  /** The helpers the templates call; a `safe` one's text is printed unescaped (a handlebars SafeString). */
  readonly helpers: Readonly<Record<string, { readonly safe: boolean }>>;
  /** Template name -> source; read only when nothing is compiled (and by the build). */
  sources(): Record<string, string>;
}

const require = createRequire(import.meta.url);

function compileOptions(set: TemplateSet): CompileOptions {
  return { sources: set.sources(), partials: set.partials, helpers: set.helpers, noEscape: set.options.noEscape === true };
}

const factories = new Map<TemplateSet, TemplateFactory>();

/** The set's render functions by template name, calling `helpers` (one function per helper the set declares). */
export function loadTemplates(set: TemplateSet, helpers: TemplateHelpers): Record<string, CompiledTemplate> {
  let factory = factories.get(set);
  if (!factory) {
    factory = existsSync(set.precompiledPath) ? (require(set.precompiledPath) as TemplateFactory) : compileTemplateFactory(compileOptions(set));
    factories.set(set, factory);
  }
  return factory(templateRuntime, helpers);
}

/** The CommonJS module the build writes at `precompiledPath`; throws on a construct the compiler does not support. */
export function precompiledSource(set: TemplateSet): string {
  return compileTemplateSet(compileOptions(set));
}

/** The same templates rendered by handlebars itself (a fresh, isolated instance): the reference the tests compare with. */
export function referenceTemplates(set: TemplateSet, helpers: TemplateHelpers): Record<string, CompiledTemplate> {
  const hb = (require("handlebars") as typeof import("handlebars")).create();
  for (const [name, { safe }] of Object.entries(set.helpers)) {
    const helper = helpers[name]!;
    hb.registerHelper(name, (value: unknown) => (safe ? new hb.SafeString(helper(value) as string) : helper(value)));
  }
  const templates = Object.fromEntries(Object.entries(set.sources()).map(([name, source]) => [name, hb.compile(source, { ...set.options }) as CompiledTemplate]));
  for (const partial of set.partials) hb.registerPartial(partial, templates[partial]!);
  // Inherited properties stay denied, as by default; saying so explicitly keeps handlebars
  // from printing a warning each time a random view reads one (the partials inherit it).
  const denied = { allowProtoPropertiesByDefault: false, allowProtoMethodsByDefault: false };
  return Object.fromEntries(Object.entries(templates).map(([name, t]) => [name, ((view: unknown) => (t as (v: unknown, o: object) => string)(view, denied)) as CompiledTemplate]));
}
