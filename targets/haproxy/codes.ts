// HAProxy target codes. Bands: MESH3200-3249 for what the emitter finds it cannot write
// (limits of the dialect found at emit time), MESH4300-4399 for what `haproxy -c` reports.
import { defineCodes } from "../../compiler/diagnostics/define.ts";

export const haproxyCodes = defineCodes({
  valueRejected: {
    code: "MESH3200", severity: "error", title: "value cannot be written to HAProxy",
    description: "A user-supplied value contains a character or shape HAProxy cannot carry safely (a control or separator character, or a name outside [A-Za-z0-9_.:-]). The proxy's file is not emitted.",
  },
  lineTooLong: {
    code: "MESH3201", severity: "error", title: "HAProxy line over 2048 bytes",
    description: "HAProxy truncates configuration lines at 2048 bytes. Shorten the value (header value, body, regex) or split the rule.",
  },
  tooManyWords: {
    code: "MESH3202", severity: "error", title: "HAProxy line over 64 words",
    description: "HAProxy accepts at most 64 words a line. Split the rule (fewer methods, domains or principals in one rule).",
  },
  retryConditionDropped: {
    code: "MESH3203", severity: "warning", title: "retry condition not expressible in HAProxy",
    description: "HAProxy 2.6 retries only on connection failures, empty/junk responses, response timeouts and the statuses 401, 403, 404, 408, 425, 500-504. Other conditions and status codes are not retried.",
  },
  // MESH3204 is reserved (was never released).
  internalRender: {
    code: "MESH3205", severity: "error", title: "HAProxy template failed",
    description: "Rendering an HAProxy template failed; this is a meshc bug. The proxy's file is not emitted.",
  },
  // MESH3206 is retired (never reuse): "SPIFFE ID too long for HAProxy authorization", from
  // the DER-substring identity match; the identity is now the URI SAN read by identity-lua.ts.
  regexRejected: {
    code: "MESH3207", severity: "error", title: "regex is not valid RE2",
    description: "Regexes are RE2 (Envoy's dialect) on every target; HAProxy would run a pattern RE2 refuses with different meaning, or fail to load it.",
  },
  staticAddressNotIp: {
    code: "MESH3208", severity: "error", title: "static endpoint is not an IP address",
    description: "A cluster with static discovery names its endpoints by IP; HAProxy would resolve a hostname once at start-up, or refuse to start. Use DNS discovery for names.",
  },
  configInvalid: {
    code: "MESH4300", severity: "error", title: "haproxy -c rejected the configuration",
    description: "`haproxy -c -dW` reported an alert for this line.",
  },
  configWarning: {
    code: "MESH4301", severity: "error", title: "haproxy -c warned about the configuration",
    description: "`haproxy -c -dW` reported a warning for this line; meshc treats warnings as failures.",
  },
  checkFailed: {
    code: "MESH4302", severity: "error", title: "haproxy -c failed",
    description: "`haproxy -c -dW` failed without naming a line (it could not start, or timed out).",
  },
});
