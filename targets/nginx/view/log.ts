// Access logs as JSON lines (`log_format escape=json`), shared by the http and stream
// blocks: each IR field is one nginx variable of that block; fields with no meaning for a
// TCP connection are left out (as on Envoy and HAProxy).
import type { AccessLogField } from "../../../compiler/ir/types.ts";
import { rendered, template, type NginxValue, type TemplatePart, type TemplateValue } from "../escape.ts";
import type { ViewCache, ViewContext } from "./context.ts";
import type { MapView } from "./types.ts";

export type LogFieldVariables = Readonly<Partial<Record<AccessLogField, string>>>;

/** `{"field":"$var",...}` for the fields the block has a variable for, in IR order. */
export function buildLogFormat(fields: readonly AccessLogField[], variables: LogFieldVariables): TemplateValue {
  const parts: TemplatePart[] = [{ text: "{" }];
  const known = fields.filter((f) => variables[f] !== undefined);
  known.forEach((field, i) => parts.push({ text: `${i === 0 ? "" : ","}"${field}":"` }, { variable: variables[field]! }, { text: '"' }));
  parts.push({ text: "}" });
  return template(...parts);
}

/**
 * buildLogFormat's value rendered once per emitter for each block's variables and IR field
 * list: the list is the mesh's (every proxy holds the same array), so the 40-part template
 * is not rebuilt, checked and escaped again for each proxy.
 */
export function sharedLogFormat(cache: ViewCache, fields: readonly AccessLogField[], variables: LogFieldVariables): NginxValue {
  let byFields = cache.logFormats.get(variables);
  if (byFields === undefined) cache.logFormats.set(variables, (byFields = new WeakMap()));
  let value = byFields.get(fields);
  if (value === undefined) byFields.set(fields, (value = rendered(buildLogFormat(fields, variables))));
  return value;
}

/** The duration map's entries, the same in every proxy: rendered once, at load. */
const DURATION_ENTRIES: MapView["entries"] = [
  { key: rendered({ kind: "regex", pattern: "^0\\.0*(?<ms>[0-9]+)$", prefix: "~" }), value: rendered(template({ variable: "ms" })) },
  { key: rendered({ kind: "regex", pattern: "^(?<s>[0-9]+)\\.(?<ms>[0-9]{3})$", prefix: "~" }), value: rendered(template({ variable: "s" }, { variable: "ms" })) },
];

/** `$meshc_duration_ms`: nginx's seconds with millisecond resolution ("1.234") as milliseconds. */
export function addDurationMap(ctx: ViewContext, seconds: string): void {
  const source = ctx.variableToken(seconds);
  ctx.addMap({ source, variable: "meshc_duration_ms", entries: DURATION_ENTRIES, fallback: source });
}
