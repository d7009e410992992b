// Header-rule values the request model cannot compare safely (README "Request model").
// Every target compares a header value with surrounding spaces and tabs removed, so a value
// that starts or ends with one could never match. Envoy joins repeated headers with "," and
// refuses a rule-named header whose joined value holds a comma, so a comma in an exact or
// prefix value could only ever match a request Envoy refuses: on Envoy "the value contains a
// comma" must mean "the header came twice", which holds only if no rule value has one.
// A regex may use a comma (a{1,3}); it simply never matches a refused request.
import type { StringMatchIR } from "../ir/types.ts";
import { coreCodes } from "../diagnostics/codes.ts";
import type { NRoute, NRule } from "../normalize/model.ts";
import { eachFresh, type ModelCheck, type Report } from "./context.ts";

function checkValue(match: StringMatchIR, where: string, report: Report): void {
  if (match.kind !== "exact" && match.kind !== "prefix") return;
  const at = `${where}.${match.name}`;
  if (match.value.includes(",")) {
    report(coreCodes.headerRuleComma, {
      message: `header rule ${match.name} ${match.kind === "exact" ? "=" : "starts with"} ${JSON.stringify(match.value)} contains a comma`,
      path: at,
      hint: "proxies refuse a request that repeats a rule-named header (Envoy sees the copies joined with \",\"); match one value per rule, or use a regex",
    });
  } else if (match.value !== match.value.replace(/^[ \t]+|[ \t]+$/g, "")) {
    report(coreCodes.headerRuleComma, {
      message: `header rule ${match.name} value ${JSON.stringify(match.value)} starts or ends with whitespace`,
      path: at,
      hint: "header values are compared with surrounding spaces and tabs removed; remove them from the rule",
    });
  }
}

function checkRoute(r: NRoute, report: Report): void {
  for (const m of r.match.headers) checkValue(m, `${r.origin}.match.headers`, report);
}

function checkRule(rule: NRule, report: Report): void {
  for (const m of rule.headers) checkValue(m, `${rule.origin}.${rule.action}.headers`, report);
}

export const headerRuleValues: ModelCheck = {
  name: "header-rule-values",
  stage: "model",
  // Each route and rule on its own.
  context: () => [],
  run(mesh, report, each = eachFresh) {
    for (const r of mesh.routes) if (r.match.headers.length > 0) each(r, report, checkRoute);
    for (const rule of mesh.authorization) if (rule.headers.length > 0) each(rule, report, checkRule);
  },
};
