// Diagnostic codes of the Envoy target. Bands: MESH3100-3149 (what the emitter cannot say
// exactly in Envoy), MESH4100-4199 (the generated files checked against Envoy's API).
// A retired code stays here commented out; numbers are never reused.
import { defineCodes } from "../../compiler/diagnostics/define.ts";

export const ENVOY_CODES = defineCodes({
  // --- target capability (emit time) ---------------------------------------------
  hashPolicyMerged: {
    code: "MESH3100", severity: "warning", title: "hash keys of several clusters merged on one route",
    description: "Envoy hashes per route, not per cluster. A route splitting across ring-hash clusters with different hash keys hashes on all of those keys together, so stickiness depends on every key.",
  },
  tcpHashUnsupported: {
    code: "MESH3101", severity: "warning", title: "header or cookie hashing on a TCP listener",
    description: "A TCP proxy has no headers or cookies; Envoy's tcp_proxy can only hash on the source IP. The cluster falls back to ring hash on the source address.",
  },
  tcpAuthzHttpConditions: {
    code: "MESH3102", severity: "warning", title: "HTTP conditions in an authorization rule on a TCP listener",
    description: "A TCP connection has no method, path or headers. Envoy's network RBAC fails closed: an allow rule with such conditions is dropped, a deny rule denies its principals outright.",
  },
  invertedQueryMatch: {
    code: "MESH3103", severity: "error", title: "inverted query parameter match",
    description: "Envoy's query_parameters matcher has no inversion and RE2 has no negative lookahead, so a route matching the absence of a query value cannot be expressed.",
  },
  jwksUriUnusable: {
    code: "MESH3104", severity: "error", title: "JWKS URI Envoy cannot fetch",
    description: "Envoy fetches a remote JWKS through a cluster built from the URI: it must be an http or https URL with a host name or IP.",
  },
  tcpConnectTimeoutFromCluster: {
    code: "MESH3105", severity: "warning", title: "TCP listener connect timeout differs from its cluster's",
    description: "Envoy's tcp_proxy has no connect timeout of its own: the upstream cluster's connect_timeout applies.",
  },

  // --- output validation (Envoy API) ------------------------------------------------
  yamlInvalid: {
    code: "MESH4100", severity: "error", title: "Envoy file is not valid YAML",
    description: "The generated file could not be parsed as a single YAML document.",
  },
  unknownField: {
    code: "MESH4101", severity: "error", title: "unknown field",
    description: "The field does not exist in this Envoy message; Envoy rejects the whole bootstrap.",
  },
  wrongType: {
    code: "MESH4102", severity: "error", title: "value of the wrong type",
    description: "The value's JSON type does not match the proto field (object, list, string, number, bool, bytes, timestamp).",
  },
  integerOutOfRange: {
    code: "MESH4103", severity: "error", title: "integer out of range",
    description: "The number is not an integer, or does not fit the proto field's integer type.",
  },
  invalidEnum: {
    code: "MESH4104", severity: "error", title: "invalid enum value",
    description: "The value is not a name (or number) of the field's enum.",
  },
  invalidDuration: {
    code: "MESH4105", severity: "error", title: "invalid duration",
    description: "Envoy durations are strings of seconds with an `s` suffix and at most nine decimals (\"1.5s\", \"0.25s\"); \"250ms\" is not one.",
  },
  oneofConflict: {
    code: "MESH4106", severity: "error", title: "two members of one oneof",
    description: "At most one field of a proto oneof may be set.",
  },
  unknownTypeUrl: {
    code: "MESH4107", severity: "error", title: "unknown or missing @type",
    description: "A typed_config (google.protobuf.Any) needs an `@type` naming an Envoy message that exists.",
  },
  validateRule: {
    code: "MESH4108", severity: "error", title: "protoc-gen-validate rule violated",
    description: "The value breaks a (validate.rules) constraint of the Envoy API: length, range, item count, defined enum, duration bound.",
  },
  requiredMissing: {
    code: "MESH4109", severity: "error", title: "required field or oneof missing",
    description: "A field marked (validate.rules).message.required, or a oneof marked (validate.required), is not set.",
  },
  deprecatedField: {
    code: "MESH4110", severity: "warning", title: "deprecated field",
    description: "Envoy still accepts the field but warns at start-up and may reject it in a later release.",
  },
  unknownCluster: {
    code: "MESH4111", severity: "error", title: "reference to a cluster that does not exist",
    description: "A route, weighted cluster, mirror policy, tcp_proxy or remote JWKS names a cluster the bootstrap does not define; Envoy rejects static routes to unknown clusters.",
  },
  routerNotLast: {
    code: "MESH4112", severity: "error", title: "router is not the last HTTP filter",
    description: "Every HTTP connection manager must end its filter chain with the router filter, exactly once.",
  },
  duplicateName: {
    code: "MESH4113", severity: "error", title: "duplicate listener or cluster name",
    description: "Listener names and cluster names must be unique within a bootstrap.",
  },
  duplicateAddress: {
    code: "MESH4114", severity: "error", title: "two listeners on one address",
    description: "Two listeners bind the same address and port; Envoy cannot start.",
  },
  protosUnavailable: {
    code: "MESH4115", severity: "error", title: "Envoy API protos could not be loaded",
    description: "The Envoy API protos (dist/targets/envoy/verify/protos in the package, @grpc/grpc-js-xds in the repository) are missing or failed to load, so the output could not be checked.",
  },
});
