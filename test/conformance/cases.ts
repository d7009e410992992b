// Gateway API conformance tests (kubernetes-sigs/gateway-api, conformance/tests/
// httproute-*.go and grpcroute-*.go with their manifests), translated by hand into meshc
// gateway routes and requests. Each case is one gateway of one mesh; its routes are meshc
// routes from that gateway, written in Gateway API precedence order (meshc tries routes
// in order, first match wins). Backends are the upstream suite's infra-backend-v1..v3.
// Expected values follow the upstream tests; `{port}` in a Location is the gateway's
// listener port (the upstream tests listen on 80, where no port is written).

export type Backend = "infra-backend-v1" | "infra-backend-v2" | "infra-backend-v3";

export interface Expect {
  /** The backend that must answer (status 200, its name as the body). */
  readonly backend?: Backend;
  /** A weighted split: any of these may answer (status 200). */
  readonly anyOf?: readonly Backend[];
  /** Status the client gets when the proxy answers itself (404, redirects). */
  readonly status?: number;
  /** Path (and query) the backend received. */
  readonly path?: string;
  /** Request headers the backend received (a comma list compares element by element). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly absentHeaders?: readonly string[];
  readonly responseHeaders?: Readonly<Record<string, string>>;
  readonly absentResponseHeaders?: readonly string[];
  /** Redirect Location; `{port}` is the listener port. */
  readonly location?: string;
}

export interface Request {
  readonly path: string;
  /** Host header; default "example.com". */
  readonly host?: string;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly expect: Expect;
}

export interface ConformanceCase {
  /** DNS label: the gateway's name. */
  readonly id: string;
  /** Upstream test(s) translated, under conformance/tests/. */
  readonly upstream: string;
  /** Gateway hosts; default example.com, example.org, *.example.com. */
  readonly hosts?: readonly string[];
  /** meshc routes without `from` (added: the case's gateway); names are prefixed with the id. */
  readonly routes: readonly Record<string, unknown>[];
  readonly requests: readonly Request[];
  /** Phrased as gRPC for the Envoy output (proxyless gRPC client): requests are unary RPCs on `path`. */
  readonly grpc?: boolean;
  /** Why the case does not run on the Envoy output (default: it is HTTP-only). */
  readonly envoyNotRun?: string;
}

const v1 = "infra-backend-v1";
const v2 = "infra-backend-v2";
const v3 = "infra-backend-v3";
const to = (service: Backend) => ({ to: service });

const HEADER_MODS = { set: { "x-header-set": "set-overwrites-values" }, add: { "x-header-add": "header-val-1", "x-header-add-append": "header-val-2" }, remove: ["x-header-remove"] };
const MODS_IN = { "x-header-remove": "remove-val", "x-header-add-append": "append-val-1", "x-header-set": "set-val" };
const MODS_OUT = { headers: { "x-header-add": "header-val-1", "x-header-add-append": "append-val-1,header-val-2", "x-header-set": "set-overwrites-values" }, absentHeaders: ["x-header-remove"] };

export const CASES: readonly ConformanceCase[] = [
  {
    id: "exact-path", upstream: "httproute-exact-path-matching",
    routes: [
      { name: "one", match: { path: { exact: "/one" } }, ...to(v1) },
      { name: "two", match: { path: { exact: "/two" } }, ...to(v2) },
    ],
    requests: [
      { path: "/one", expect: { backend: v1 } },
      { path: "/two", expect: { backend: v2 } },
      { path: "/", expect: { status: 404 } },
      { path: "/one/example", expect: { status: 404 } },
      { path: "/two/", expect: { status: 404 } },
    ],
  },
  {
    id: "matching", upstream: "httproute-matching",
    routes: [
      { name: "v2-path", match: { path: { prefix: "/v2" } }, ...to(v2) },
      { name: "v2-header", match: { headers: { version: "two" } }, ...to(v2) },
      { name: "v1-header", match: { headers: { version: "one" } }, ...to(v1) },
      { name: "v1-path", match: { path: { prefix: "/" } }, ...to(v1) },
    ],
    requests: [
      { path: "/", expect: { backend: v1 } },
      { path: "/example", expect: { backend: v1 } },
      { path: "/", headers: { version: "one" }, expect: { backend: v1 } },
      { path: "/v2", expect: { backend: v2 } },
      { path: "/v2/example", expect: { backend: v2 } },
      { path: "/", headers: { version: "two" }, expect: { backend: v2 } },
      { path: "/v2example", expect: { backend: v1 } },
      { path: "/foo/v2/example", expect: { backend: v1 } },
    ],
  },
  {
    id: "path-match-order", upstream: "httproute-path-match-order",
    routes: [
      { name: "exact-one", match: { path: { exact: "/match/exact/one" } }, ...to(v3) },
      { name: "exact", match: { path: { exact: "/match/exact" } }, ...to(v2) },
      { name: "exact-match", match: { path: { exact: "/match" } }, ...to(v1) },
      { name: "prefix-one", match: { path: { prefix: "/match/prefix/one" } }, ...to(v2) },
      { name: "prefix", match: { path: { prefix: "/match/prefix" } }, ...to(v1) },
      { name: "any", match: { path: { prefix: "/match" } }, ...to(v3) },
    ],
    requests: [
      { path: "/match/exact/one", expect: { backend: v3 } },
      { path: "/match/exact", expect: { backend: v2 } },
      { path: "/match", expect: { backend: v1 } },
      { path: "/match/prefix/one/any", expect: { backend: v2 } },
      { path: "/match/prefix/any", expect: { backend: v1 } },
      { path: "/match/any", expect: { backend: v3 } },
    ],
  },
  {
    id: "header-matching", upstream: "httproute-header-matching",
    routes: [
      { name: "two-orange", match: { headers: { version: "two", color: "orange" } }, ...to(v1) },
      { name: "one", match: { headers: { version: "one" } }, ...to(v1) },
      { name: "two", match: { headers: { version: "two" } }, ...to(v2) },
      { name: "blue", match: { headers: { color: "blue" } }, ...to(v1) },
      { name: "red", match: { headers: { color: "red" } }, ...to(v2) },
    ],
    requests: [
      { path: "/", headers: { version: "one" }, expect: { backend: v1 } },
      { path: "/", headers: { version: "two" }, expect: { backend: v2 } },
      { path: "/", headers: { version: "two", color: "orange" }, expect: { backend: v1 } },
      { path: "/", headers: { color: "blue" }, expect: { backend: v1 } },
      { path: "/", headers: { color: "red" }, expect: { backend: v2 } },
      { path: "/", headers: { VERSION: "one" }, expect: { backend: v1 } },
      { path: "/", headers: { version: "three" }, expect: { status: 404 } },
      { path: "/", expect: { status: 404 } },
    ],
    grpc: true,
  },
  {
    id: "query-matching", upstream: "httproute-query-param-matching",
    routes: [
      { name: "dolphin-blue", match: { query: { animal: "dolphin", color: "blue" } }, ...to(v3) },
      { name: "whale", match: { query: { animal: "whale" } }, ...to(v1) },
      { name: "dolphin", match: { query: { animal: "dolphin" } }, ...to(v2) },
    ],
    requests: [
      { path: "/?animal=whale", expect: { backend: v1, path: "/?animal=whale" } },
      { path: "/?animal=dolphin", expect: { backend: v2 } },
      { path: "/?animal=dolphin&color=blue", expect: { backend: v3 } },
      { path: "/?color=blue&animal=dolphin", expect: { backend: v3 } },
      { path: "/?animal=whale&otherparam=irrelevant", expect: { backend: v1 } },
      { path: "/?animal=dolphin&color=yellow", expect: { backend: v2 } },
      { path: "/?color=blue", expect: { status: 404 } },
      { path: "/", expect: { status: 404 } },
    ],
  },
  {
    id: "method-matching", upstream: "httproute-method-matching",
    routes: [
      { name: "post", match: { methods: ["POST"] }, ...to(v1) },
      { name: "get", match: { methods: ["GET"] }, ...to(v2) },
    ],
    requests: [
      { path: "/", method: "POST", expect: { backend: v1 } },
      { path: "/", method: "GET", expect: { backend: v2 } },
      { path: "/", method: "DELETE", expect: { status: 404 } },
    ],
  },
  {
    id: "across-routes", upstream: "httproute-matching-across-routes",
    hosts: ["example.com", "example.net"],
    routes: [
      { name: "part2-path", hostnames: ["example.com"], match: { path: { prefix: "/v2" } }, ...to(v2) },
      { name: "part2-header", hostnames: ["example.com"], match: { headers: { version: "two" } }, ...to(v2) },
      { name: "part1", hostnames: ["example.com", "example.net"], match: { path: { prefix: "/" } }, ...to(v1) },
    ],
    requests: [
      { path: "/", expect: { backend: v1 } },
      { path: "/example", expect: { backend: v1 } },
      { path: "/", host: "example.net", expect: { backend: v1 } },
      { path: "/v2", expect: { backend: v2 } },
      { path: "/v2/example", expect: { backend: v2 } },
      { path: "/", headers: { version: "two" }, expect: { backend: v2 } },
      { path: "/v2", host: "example.net", expect: { backend: v1 } },
      { path: "/", host: "example.net", headers: { version: "two" }, expect: { backend: v1 } },
    ],
  },
  {
    id: "listener-hostnames", upstream: "httproute-listener-hostname-matching",
    hosts: ["bar.com", "foo.bar.com", "*.bar.com", "*.foo.com"],
    routes: [
      { name: "bar", hostnames: ["bar.com"], ...to(v1) },
      { name: "foo-bar", hostnames: ["foo.bar.com"], ...to(v2) },
      { name: "wild-bar", hostnames: ["*.bar.com"], ...to(v3) },
      { name: "wild-foo", hostnames: ["*.foo.com"], ...to(v3) },
    ],
    requests: [
      { path: "/", host: "bar.com", expect: { backend: v1 } },
      { path: "/", host: "foo.bar.com", expect: { backend: v2 } },
      { path: "/", host: "baz.bar.com", expect: { backend: v3 } },
      { path: "/", host: "boo.bar.com", expect: { backend: v3 } },
      { path: "/", host: "multiple.prefixes.bar.com", expect: { backend: v3 } },
      { path: "/", host: "multiple.prefixes.foo.com", expect: { backend: v3 } },
      { path: "/", host: "foo.com", expect: { status: 404 } },
      { path: "/", host: "no.matching.host", expect: { status: 404 } },
    ],
  },
  {
    id: "request-headers", upstream: "httproute-request-header-modifier",
    routes: [
      { name: "set", match: { path: { prefix: "/set" } }, requestHeaders: { set: { "x-header-set": "set-overwrites-values" } }, ...to(v1) },
      { name: "add", match: { path: { prefix: "/add" } }, requestHeaders: { add: { "x-header-add": "add-appends-values" } }, ...to(v1) },
      { name: "remove", match: { path: { prefix: "/remove" } }, requestHeaders: { remove: ["x-header-remove"] }, ...to(v1) },
      { name: "multiple", match: { path: { prefix: "/multiple" } }, requestHeaders: {
        set: { "x-header-set-1": "header-set-1", "x-header-set-2": "header-set-2" },
        add: { "x-header-add-1": "header-add-1", "x-header-add-2": "header-add-2", "x-header-add-3": "header-add-3" },
        remove: ["x-header-remove-1", "x-header-remove-2"] }, ...to(v1) },
    ],
    requests: [
      { path: "/set", expect: { backend: v1, headers: { "x-header-set": "set-overwrites-values" } } },
      { path: "/set", headers: { "some-other-header": "val", "x-header-set": "some-other-value" }, expect: { backend: v1, headers: { "some-other-header": "val", "x-header-set": "set-overwrites-values" } } },
      { path: "/add", expect: { backend: v1, headers: { "x-header-add": "add-appends-values" } } },
      { path: "/add", headers: { "x-header-add": "some-other-value" }, expect: { backend: v1, headers: { "x-header-add": "some-other-value,add-appends-values" } } },
      { path: "/remove", headers: { "x-header-remove": "val" }, expect: { backend: v1, absentHeaders: ["x-header-remove"] } },
      { path: "/multiple", headers: { "x-header-set-2": "set-val-2", "x-header-add-2": "add-val-2", "x-header-remove-2": "remove-val-2", "another-header": "another-header-val" },
        expect: { backend: v1, headers: { "x-header-set-1": "header-set-1", "x-header-set-2": "header-set-2", "x-header-add-1": "header-add-1", "x-header-add-2": "add-val-2,header-add-2", "x-header-add-3": "header-add-3", "another-header": "another-header-val" }, absentHeaders: ["x-header-remove-1", "x-header-remove-2"] } },
    ],
  },
  {
    id: "response-headers", upstream: "httproute-response-header-modifier",
    routes: [
      { name: "set", match: { path: { prefix: "/set" } }, responseHeaders: { set: { "x-header-set": "set-overwrites-values" } }, ...to(v1) },
      { name: "add", match: { path: { prefix: "/add" } }, responseHeaders: { add: { "x-header-add": "add-appends-values" } }, ...to(v1) },
      { name: "remove", match: { path: { prefix: "/remove" } }, responseHeaders: { remove: ["x-upstream"] }, ...to(v1) },
    ],
    requests: [
      { path: "/set", expect: { backend: v1, responseHeaders: { "x-header-set": "set-overwrites-values" } } },
      { path: "/add", expect: { backend: v1, responseHeaders: { "x-header-add": "add-appends-values" } } },
      { path: "/remove", expect: { backend: v1, absentResponseHeaders: ["x-upstream"] } },
    ],
  },
  {
    id: "rewrite-path", upstream: "httproute-rewrite-path",
    routes: [
      { name: "prefix-one", match: { path: { prefix: "/prefix/one" } }, rewrite: { prefix: "/one" }, ...to(v1) },
      { name: "full-mods", match: { path: { prefix: "/full/rewrite-path-and-modify-headers" } }, rewrite: { path: "/test" }, requestHeaders: HEADER_MODS, ...to(v1) },
      { name: "full-one", match: { path: { prefix: "/full/one" } }, rewrite: { path: "/one" }, ...to(v1) },
      { name: "prefix-mods", match: { path: { prefix: "/prefix/rewrite-path-and-modify-headers" } }, rewrite: { prefix: "/prefix" }, requestHeaders: HEADER_MODS, ...to(v1) },
      { name: "strip", match: { path: { prefix: "/strip-prefix" } }, rewrite: { prefix: "/" }, ...to(v1) },
    ],
    requests: [
      { path: "/prefix/one/two", expect: { backend: v1, path: "/one/two" } },
      { path: "/full/one/two", expect: { backend: v1, path: "/one" } },
      { path: "/full/rewrite-path-and-modify-headers/test", headers: MODS_IN, expect: { backend: v1, path: "/test", ...MODS_OUT } },
      { path: "/prefix/rewrite-path-and-modify-headers/one", headers: MODS_IN, expect: { backend: v1, path: "/prefix/one", ...MODS_OUT } },
      { path: "/strip-prefix/three", expect: { backend: v1, path: "/three" } },
      { path: "/strip-prefix", expect: { backend: v1, path: "/" } },
      { path: "/strip-prefix/three?x=1", expect: { backend: v1, path: "/three?x=1" } },
    ],
  },
  {
    id: "rewrite-host", upstream: "httproute-rewrite-host",
    routes: [
      { name: "one", match: { path: { prefix: "/one" } }, rewrite: { host: "one.example.org" }, ...to(v1) },
      { name: "mods", match: { path: { prefix: "/rewrite-host-and-modify-headers" } }, rewrite: { host: "test.example.org" }, requestHeaders: HEADER_MODS, ...to(v1) },
    ],
    requests: [
      { path: "/one", expect: { backend: v1, headers: { host: "one.example.org" } } },
      { path: "/rewrite-host-and-modify-headers", headers: MODS_IN, expect: { backend: v1, headers: { host: "test.example.org", ...MODS_OUT.headers }, absentHeaders: MODS_OUT.absentHeaders } },
    ],
  },
  {
    id: "redirect-path", upstream: "httproute-redirect-path",
    routes: [
      { name: "prefix", match: { path: { prefix: "/original-prefix" } }, redirect: { prefix: "/replacement-prefix" } },
      { name: "full", match: { path: { prefix: "/full" } }, redirect: { path: "/full-path-replacement" } },
      { name: "path-and-host", match: { path: { prefix: "/path-and-host" } }, redirect: { host: "example.org", prefix: "/replacement-prefix" } },
      { name: "path-and-status", match: { path: { prefix: "/path-and-status" } }, redirect: { prefix: "/replacement-prefix", status: 301 } },
      { name: "full-and-host", match: { path: { prefix: "/full-path-and-host" } }, redirect: { host: "example.org", path: "/replacement-full" } },
      { name: "full-and-status", match: { path: { prefix: "/full-path-and-status" } }, redirect: { path: "/replacement-full", status: 301 } },
    ],
    requests: [
      { path: "/original-prefix/lemon", expect: { status: 302, location: "http://example.com:{port}/replacement-prefix/lemon" } },
      { path: "/full/path/original", expect: { status: 302, location: "http://example.com:{port}/full-path-replacement" } },
      { path: "/path-and-host", expect: { status: 302, location: "http://example.org:{port}/replacement-prefix" } },
      { path: "/path-and-status", expect: { status: 301, location: "http://example.com:{port}/replacement-prefix" } },
      { path: "/full-path-and-host", expect: { status: 302, location: "http://example.org:{port}/replacement-full" } },
      { path: "/full-path-and-status", expect: { status: 301, location: "http://example.com:{port}/replacement-full" } },
    ],
  },
  {
    id: "redirect-host-status", upstream: "httproute-redirect-host-and-status",
    routes: [
      { name: "hostname", match: { path: { prefix: "/hostname-redirect" } }, redirect: { host: "example.org" } },
      { name: "host-and-status", match: { path: { prefix: "/host-and-status" } }, redirect: { host: "example.org", status: 301 } },
    ],
    requests: [
      { path: "/hostname-redirect", expect: { status: 302, location: "http://example.org:{port}/hostname-redirect" } },
      { path: "/host-and-status", expect: { status: 301, location: "http://example.org:{port}/host-and-status" } },
    ],
  },
  {
    id: "redirect-scheme", upstream: "httproute-redirect-scheme, httproute-303/307/308-redirect-scheme",
    routes: [
      { name: "scheme", match: { path: { prefix: "/scheme" } }, redirect: { scheme: "https" } },
      { name: "scheme-host", match: { path: { prefix: "/s-and-host" } }, redirect: { scheme: "https", host: "example.org" } },
      { name: "scheme-status", match: { path: { prefix: "/s-and-status" } }, redirect: { scheme: "https", status: 301 } },
      { name: "s303", match: { path: { prefix: "/s303" } }, redirect: { scheme: "https", status: 303 } },
      { name: "s307", match: { path: { prefix: "/s307" } }, redirect: { scheme: "https", status: 307 } },
      { name: "s308", match: { path: { prefix: "/s308" } }, redirect: { scheme: "https", status: 308 } },
    ],
    requests: [
      { path: "/scheme", expect: { status: 302, location: "https://example.com/scheme" } },
      { path: "/s-and-host", expect: { status: 302, location: "https://example.org/s-and-host" } },
      { path: "/s-and-status", expect: { status: 301, location: "https://example.com/s-and-status" } },
      { path: "/s303", expect: { status: 303, location: "https://example.com/s303" } },
      { path: "/s307", expect: { status: 307, location: "https://example.com/s307" } },
      { path: "/s308", expect: { status: 308, location: "https://example.com/s308" } },
    ],
  },
  {
    id: "redirect-port", upstream: "httproute-redirect-port, httproute-redirect-port-and-scheme (HTTP listener)",
    routes: [
      { name: "port", match: { path: { prefix: "/port" } }, redirect: { port: 8083 } },
      { name: "port-host-status", match: { path: { prefix: "/p-host-status" } }, redirect: { port: 8083, host: "example.org", status: 301 } },
      { name: "nil-nil", match: { path: { prefix: "/scheme-nil-and-port-nil" } }, redirect: { host: "example.org" } },
      { name: "nil-80", match: { path: { prefix: "/scheme-nil-and-port-80" } }, redirect: { host: "example.org", port: 80 } },
      { name: "nil-8080", match: { path: { prefix: "/scheme-nil-and-port-8080" } }, redirect: { host: "example.org", port: 8080 } },
      { name: "https-nil", match: { path: { prefix: "/scheme-https-and-port-nil" } }, redirect: { host: "example.org", scheme: "https" } },
      { name: "https-443", match: { path: { prefix: "/scheme-https-and-port-443" } }, redirect: { host: "example.org", scheme: "https", port: 443 } },
      { name: "https-8443", match: { path: { prefix: "/scheme-https-and-port-8443" } }, redirect: { host: "example.org", scheme: "https", port: 8443 } },
    ],
    requests: [
      { path: "/port", expect: { status: 302, location: "http://example.com:8083/port" } },
      { path: "/p-host-status", expect: { status: 301, location: "http://example.org:8083/p-host-status" } },
      { path: "/scheme-nil-and-port-nil", expect: { status: 302, location: "http://example.org:{port}/scheme-nil-and-port-nil" } },
      { path: "/scheme-nil-and-port-80", expect: { status: 302, location: "http://example.org/scheme-nil-and-port-80" } },
      { path: "/scheme-nil-and-port-8080", expect: { status: 302, location: "http://example.org:8080/scheme-nil-and-port-8080" } },
      { path: "/scheme-https-and-port-nil", expect: { status: 302, location: "https://example.org/scheme-https-and-port-nil" } },
      { path: "/scheme-https-and-port-443", expect: { status: 302, location: "https://example.org/scheme-https-and-port-443" } },
      { path: "/scheme-https-and-port-8443", expect: { status: 302, location: "https://example.org:8443/scheme-https-and-port-8443" } },
    ],
  },
  {
    // meshc-specific: a weighted split across services whose upstream TLS names differ
    // (nginx sets proxy_ssl_name from the chosen upstream); each backend presents only its
    // own service's name, so a wrong name fails verification (502).
    id: "split-services", upstream: "httproute-weight (shape only; not statistical)",
    routes: [{ name: "split", backends: [{ service: v1, weight: 50 }, { service: v2, weight: 50 }] }],
    requests: Array.from({ length: 12 }, () => ({ path: "/split", expect: { anyOf: [v1, v2] } })),
  },
  {
    id: "grpc-exact-method", upstream: "grpcroute-exact-method-matching",
    routes: [
      { name: "echo", match: { path: { exact: "/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo" } }, ...to(v1) },
      { name: "echo-two", match: { path: { exact: "/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/EchoTwo" } }, ...to(v2) },
    ],
    requests: [
      { path: "/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo", method: "POST", expect: { backend: v1 } },
      { path: "/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/EchoTwo", method: "POST", expect: { backend: v2 } },
      { path: "/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/EchoThree", method: "POST", expect: { status: 404 } },
    ],
    grpc: true,
  },
  {
    id: "grpc-service-prefix", upstream: "grpcroute-exact-path-matching (service-only match)",
    routes: [
      { name: "service", match: { path: { prefix: "/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/" } }, ...to(v1) },
    ],
    requests: [
      { path: "/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo", method: "POST", expect: { backend: v1 } },
      { path: "/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/EchoTwo", method: "POST", expect: { backend: v1 } },
      { path: "/gateway_api_conformance.echo_basic.grpcecho.GrpcEchoX/Echo", method: "POST", expect: { status: 404 } },
    ],
    grpc: true,
  },
  {
    // Not phrased as gRPC for Envoy: grpc-js-xds evaluates route header matchers on the
    // call's metadata, which never holds `:authority`, so a hostname route cannot match there.
    id: "grpc-hostnames", upstream: "grpcroute-listener-hostname-matching", envoyNotRun: "not run (grpc-js-xds cannot match :authority)",
    hosts: ["example.com", "*.bar.com"],
    routes: [
      { name: "bar", hostnames: ["*.bar.com"], match: { path: { prefix: "/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/" } }, ...to(v3) },
      { name: "service", match: { path: { prefix: "/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/" } }, ...to(v1) },
    ],
    requests: [
      { path: "/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo", method: "POST", expect: { backend: v1 } },
      { path: "/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo", method: "POST", host: "foo.bar.com", expect: { backend: v3 } },
    ],
  },
];
