// Paths (SECURITY.md): start with /, RFC 3986 path characters only, no //, no . or ..
// segments, no encoded / or \, no invalid % escapes, no # or ; parameters. The
// normalization attacks on Istio (CVE-2021-31920, -39156) went through exactly these.
import { coreCodes } from "../diagnostics/codes.ts";
import type { NRoute, NRule, NService } from "../normalize/model.ts";
import { eachFresh, type ModelCheck, type Report } from "./context.ts";

const PCHARS = /^[A-Za-z0-9\-._~!$&'()*+,=:@/%]*$/;
/** A segment (between slashes, or at either end) that is `.` or `..`: what splitting at / and looking found, without the array. */
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;

export function pathProblem(path: string): string | null {
  if (!path.startsWith("/")) return "must start with /";
  if (path.length > 1024) return "is longer than 1024 characters";
  if (path.includes("#")) return "contains # (a fragment never reaches a proxy)";
  if (path.includes(";")) return "contains ; (path parameters are normalized differently by each proxy)";
  if (!PCHARS.test(path)) return "contains characters outside RFC 3986 path characters";
  if (path.includes("//")) return "contains // (proxies merge slashes differently)";
  if (/%(?![0-9A-Fa-f]{2})/.test(path)) return "contains an invalid % escape";
  if (/%(2f|5c)/i.test(path)) return "contains an encoded / or \\ (%2F, %5C)";
  if (/%2e/i.test(path)) return "contains an encoded . (%2E)";
  if (DOT_SEGMENT.test(path)) return "contains a . or .. segment";
  return null;
}

/** `where` (the origin and the rest of the path, joined) is built only for a finding. */
function check(path: string | null | undefined, origin: string, rest: string, report: Report): void {
  if (path === null || path === undefined) return;
  const problem = pathProblem(path);
  if (problem) report(coreCodes.badPath, { message: `path ${JSON.stringify(path)} ${problem}`, path: `${origin}${rest}`, hint: "write the path as the proxies will see it after normalization, e.g. /api/v1/items" });
}

function checkRoute(r: NRoute, report: Report): void {
  const p = r.match.path;
  if (p && p.kind !== "regex") check(p.value, r.origin, p.kind === "exact" ? ".match.path.exact" : p.kind === "prefix" ? ".match.path.prefix" : `.match.path.${p.kind}`, report);
  if (r.rewrite?.prefix != null) check(r.rewrite.prefix, r.origin, ".rewrite.prefix", report);
  if (r.action.kind === "redirect" && r.action.path !== null) check(r.action.path, r.origin, ".redirect.path", report);
}

function checkRule(rule: NRule, report: Report): void {
  rule.paths.forEach((p, i) => check(p.value || "/", rule.origin, `.${rule.action}.paths[${i}]`, report));
}

function checkService(s: NService, report: Report): void {
  if (s.healthCheck?.path != null) check(s.healthCheck.path, s.origin, ".healthCheck.path", report);
}

export const paths: ModelCheck = {
  name: "paths",
  stage: "model",
  // Each route, rule and service on its own.
  context: () => [],
  run(mesh, report, each = eachFresh) {
    for (const r of mesh.routes) each(r, report, checkRoute);
    for (const rule of mesh.authorization) each(rule, report, checkRule);
    for (const s of mesh.services) each(s, report, checkService);
  },
};
