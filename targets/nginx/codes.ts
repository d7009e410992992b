// Diagnostic codes of the nginx target. Bands: MESH3150-3199 (what the emitter cannot say
// in nginx, found at emit time), MESH4200-4299 (the generated files checked by `nginx -t`).
// A retired code stays here commented out; numbers are never reused.
import { defineCodes } from "../../compiler/diagnostics/define.ts";

export const NGINX_CODES = defineCodes({
  // --- target limits (emit time) ---------------------------------------------------
  dollarInValue: {
    code: "MESH3150", severity: "error", title: "literal `$` in an nginx value",
    description: "nginx expands `$name` in header values, return texts, redirect URLs and rewrite replacements and has no escape for a literal `$`, so a value containing `$` would read a variable. It is rejected.",
  },
  unsafeCharacter: {
    code: "MESH3151", severity: "error", title: "control or invisible character in an nginx value",
    description: "Control characters, Unicode line separators and bidi overrides are never written into nginx configs: they could split a directive or hide text from a reviewer.",
  },
  retryStatusUnsupported: {
    code: "MESH3152", severity: "warning", title: "status code nginx cannot retry on",
    description: "proxy_next_upstream only knows http_500, 502, 503, 504, 403, 404 and 429 (and no 409 for retriable-4xx). Other statuses are not retried by nginx.",
  },
  nameNotAVariable: {
    code: "MESH3153", severity: "error", title: "header, query or cookie name nginx cannot read",
    description: "nginx reads request headers, query arguments and cookies through variables ($http_x_y, $arg_x, $cookie_x) whose names allow only letters, digits and `_` (a header's `-` maps to `_`). Other names cannot be matched or hashed on.",
  },
  invalidIdentifier: {
    code: "MESH3154", severity: "error", title: "name unusable as an nginx identifier",
    description: "Proxy and cluster names become file names and upstream names and must be DNS-1123 labels.",
  },
  invalidDomain: {
    code: "MESH3155", severity: "error", title: "virtual host domain nginx cannot express",
    description: "server_name takes host names, `*.suffix` wildcards or `*` (any host); a port, a regex-like `~` prefix or other characters cannot be expressed.",
  },
  splitBackendsDiffer: {
    code: "MESH3156", severity: "error", title: "split across clusters with different protocol or TLS",
    description: "nginx sets upstream TLS and the proxy module (HTTP or gRPC) per location, not per upstream, so a weighted split must go to clusters with the same protocol and upstream TLS settings; on HTTP routes the verified name may differ (proxy_ssl_name takes a variable mapped from the chosen upstream).",
  },
  rewriteUnsupported: {
    code: "MESH3157", severity: "error", title: "rewrite nginx cannot express",
    description: "nginx rewrite replacements must produce a path starting with `/` with at most 8 capture groups and no `?` (which would replace the query string).",
  },
  directResponseRedirectStatus: {
    code: "MESH3158", severity: "error", title: "direct response with a redirect status",
    description: "For statuses 301, 302, 303, 307 and 308 nginx's `return` treats the text as the Location URL, not as a body. Use a redirect action instead.",
  },
  // MESH3159 (retired: "certificate subject nginx cannot match"): nginx no longer authorizes
  // on the subject DN but on the URI SAN (issue 9); see MESH3168.
  rateRounded: {
    code: "MESH3160", severity: "warning", title: "rate limit rounded to nginx's resolution",
    description: "limit_req takes whole requests per second or per minute; the IR's rate was rounded to the nearest expressible one.",
  },
  redirectSchemeOnlyPort: {
    code: "MESH3161", severity: "info", title: "redirect keeps the host without its port",
    description: "nginx's $host carries no port: a redirect that keeps the request's host drops a non-default port unless the redirect names one.",
  },
  invalidHeaderName: {
    code: "MESH3162", severity: "error", title: "header name that is not an HTTP token",
    description: "A header name nginx would send or hide must be an RFC 7230 token (1-256 characters); anything else would produce an invalid request or response.",
  },
  invalidCipher: {
    code: "MESH3163", severity: "error", title: "cipher name OpenSSL cannot read",
    description: "Cipher names are OpenSSL names: letters, digits, `-`, `_`, `+`, `!`, `@`, `=` and `.`; a `:` would split one name into several.",
  },
  tcpRateLimitUnsupported: {
    code: "MESH3164", severity: "error", title: "rate limit on a TCP listener",
    description: "nginx's stream module has no rate limit (limit_req is HTTP only; limit_conn bounds concurrent connections, not a rate), so a TCP listener's connection rate limit cannot be enforced. Use Envoy or HAProxy for that listener.",
  },
  tcpAuthzHttpConditions: {
    code: "MESH3165", severity: "warning", title: "HTTP conditions in a TCP listener's authorization rule",
    description: "A TCP connection has no method, path or headers. As on Envoy and HAProxy the rule fails closed: an allow rule with such conditions never matches, a deny rule applies to every connection of its principals.",
  },
  tcpHashOnSourceIp: {
    code: "MESH3166", severity: "warning", title: "TCP load balancing hashes on the client address",
    description: "A TCP connection has no header or cookie to hash on; nginx's stream upstream hashes on $remote_addr instead, as Envoy's tcp_proxy does.",
  },
  tcpPermissiveIsTlsOnly: {
    code: "MESH3167", severity: "warning", title: "permissive mTLS on a TCP listener accepts TLS only",
    description: "nginx's stream listener is either TLS or plain text. A permissive TCP listener is served as TLS with an optional client certificate: plain-text clients are refused (fails closed), and authorization applies as written.",
  },
  spiffeIdUnsupported: {
    code: "MESH3168", severity: "error", title: "SPIFFE ID nginx cannot match or send",
    description: "nginx reads a caller's identity with njs (the single URI SAN of its verified certificate) and sends it in x-forwarded-client-cert as `By=<self>;URI=<peer>` without quoting. A SPIFFE ID with characters outside a plain URI (space, `\"`, `,`, `;`, `\\`, control or non-ASCII characters) is never accepted as an identity, so a rule naming it could never match: it is rejected.",
  },
  internalTemplateError: {
    code: "MESH3199", severity: "error", title: "internal error rendering an nginx template",
    description: "A value reached a template without passing the nginx escaping helper's checks, or a template referenced a missing field. This is a meshc bug.",
  },

  // --- output check (`nginx -t`) -----------------------------------------------------
  nginxRejected: {
    code: "MESH4200", severity: "error", title: "nginx -t rejected the configuration",
    description: "nginx reported an [emerg], [alert] or [crit] error for a generated file.",
  },
  nginxWarned: {
    code: "MESH4201", severity: "error", title: "nginx -t warned about the configuration",
    description: "The check is strict: any [warn] from nginx fails, because warnings hide directives nginx ignores or overrides.",
  },
  nginxCheckFailed: {
    code: "MESH4202", severity: "error", title: "nginx -t could not run",
    description: "The verifier could not prepare the temp prefix or start nginx.",
  },
  bundleDiffersFromIr: {
    code: "MESH4203", severity: "error", title: "nginx file differs from what the IR produces",
    description: "The verifier checks a copy emitted from the same IR with runtime paths moved into a temp prefix; a file that does not match the IR's emission line for line cannot be checked that way.",
  },
});
