// Header names are RFC 7230 tokens (1..256); pseudo-headers and Host may not be set or
// removed. Header values: visible ASCII with single inner spaces or tabs, no leading or
// trailing space (a CRLF here is a response-splitting attack).
import { coreCodes } from "../diagnostics/codes.ts";
import type { NHeaderChanges, NRoute, NRule, NService } from "../normalize/model.ts";
import { eachFresh, type ModelCheck, type Report } from "./context.ts";

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,256}$/;
const VALUE = /^(?:[\x21-\x7e](?:[ \t]?[\x21-\x7e])*)?$/;

function checkName(name: string, where: string, report: Report, changing: boolean): void {
  if (!TOKEN.test(name)) {
    report(coreCodes.badHeader, { message: `header name ${JSON.stringify(name)} is not an RFC 7230 token`, path: where, hint: "use letters, digits and !#$%&'*+-.^_`|~, at most 256 characters" });
  } else if (changing && (name.startsWith(":") || name.toLowerCase() === "host")) {
    report(coreCodes.badHeader, { message: `header ${JSON.stringify(name)} may not be set or removed`, path: where, hint: "use rewrite.host to change the Host header" });
  }
}

/**
 * nginx hashes the response header names it hides (set and remove) with 64-byte buckets
 * (*_headers_hash_bucket_size): an entry is 8 + 2 + the name, rounded to 8, plus 8, so a name
 * of 47 characters or more fails `nginx -t` (measured with nginx 1.22; `add` fails from 63).
 * One limit for every response header name keeps the rule simple.
 */
export const MAX_RESPONSE_HEADER_NAME = 46;

export function headerValueProblem(value: string): string | null {
  // HAProxy refuses an empty header value (`http-request set-header x ""` is a parse error); use remove to drop a header.
  if (value === "") return "is empty (HAProxy refuses an empty header value; to drop a header, list it under remove)";
  if (value.length > 4096) return "is longer than 4096 characters";
  if (!VALUE.test(value)) return "must be visible ASCII with single inner spaces, no leading or trailing space";
  return null;
}

function checkResponseName(name: string, where: string, report: Report, response: boolean): void {
  if (!response || name.length <= MAX_RESPONSE_HEADER_NAME) return;
  report(coreCodes.badHeader, { message: `response header name ${JSON.stringify(name.slice(0, 80))} has ${name.length} characters; nginx accepts at most ${MAX_RESPONSE_HEADER_NAME}`, path: where, hint: `shorten the name to ${MAX_RESPONSE_HEADER_NAME} characters or fewer` });
}

function checkChanges(h: NHeaderChanges, where: string, report: Report, response = false): void {
  for (const kind of ["set", "add"] as const) {
    for (const { name, value } of h[kind]) {
      checkName(name, `${where}.${kind}.${name}`, report, true);
      checkResponseName(name, `${where}.${kind}.${name}`, report, response);
      const problem = headerValueProblem(value);
      if (problem) report(coreCodes.badHeader, { message: `value of header ${name} ${problem}`, path: `${where}.${kind}.${name}`, hint: "header values are single-line visible ASCII" });
    }
  }
  h.remove.forEach((name, i) => { checkName(name, `${where}.remove[${i}]`, report, true); checkResponseName(name, `${where}.remove[${i}]`, report, response); });
}

const noChanges = (h: NHeaderChanges) => h.set.length === 0 && h.add.length === 0 && h.remove.length === 0;

function checkRoute(r: NRoute, report: Report): void {
  for (const m of r.match.headers) checkName(m.name, `${r.origin}.match.headers.${m.name}`, report, false);
  // Most routes change no header: no path strings for them.
  if (!noChanges(r.requestHeaders)) checkChanges(r.requestHeaders, `${r.origin}.requestHeaders`, report);
  if (!noChanges(r.responseHeaders)) checkChanges(r.responseHeaders, `${r.origin}.responseHeaders`, report, true);
}

function checkRule(rule: NRule, report: Report): void {
  for (const m of rule.headers) checkName(m.name, `${rule.origin}.${rule.action}.headers.${m.name}`, report, false);
}

function checkService(s: NService, report: Report): void {
  if (s.loadBalancing.policy === "hash" && s.loadBalancing.hashOn.kind === "header") checkName(s.loadBalancing.hashOn.name, `${s.origin}.loadBalancing.hash.header`, report, false);
}

export const headers: ModelCheck = {
  name: "headers",
  stage: "model",
  // Each route, rule and service on its own.
  context: () => [],
  run(mesh, report, each = eachFresh) {
    for (const r of mesh.routes) each(r, report, checkRoute);
    for (const rule of mesh.authorization) each(rule, report, checkRule);
    for (const s of mesh.services) each(s, report, checkService);
  },
};
