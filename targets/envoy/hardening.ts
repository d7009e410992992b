// Limits every HTTP connection manager carries, sidecar and gateway alike (README "Request
// model", hardening). Envoy's defaults leave the header read unbounded, accept header names
// with underscores (which some apps read as dashes: `x_user` smuggled as `x-user`), keep an
// idle connection open for an hour and let a request take as long as it likes to arrive.
import type { HttpListenerIR } from "../../compiler/ir/types.ts";
import type { Json } from "./format.ts";

/** Seconds, as Envoy Duration strings. Exported for the tests and the README. */
export const HARDENING = {
  requestHeadersTimeout: "10s",
  streamIdleTimeout: "300s",
  connectionIdleTimeout: "300s",
  /** Only HTTP/1.1-only listeners: on HTTP/2 and gRPC a long-lived stream is a request still arriving. */
  requestTimeout: "300s",
  maxRequestHeadersKb: 60,
  maxHeadersCount: 100,
} as const;

export function buildHardening(protocol: HttpListenerIR["protocol"]): Json {
  return {
    request_headers_timeout: HARDENING.requestHeadersTimeout,
    stream_idle_timeout: HARDENING.streamIdleTimeout,
    ...(protocol === "http" ? { request_timeout: HARDENING.requestTimeout } : {}),
    max_request_headers_kb: HARDENING.maxRequestHeadersKb,
    common_http_protocol_options: {
      idle_timeout: HARDENING.connectionIdleTimeout,
      max_headers_count: HARDENING.maxHeadersCount,
      // 400 on HTTP/1, a stream reset on HTTP/2.
      headers_with_underscores_action: "REJECT_REQUEST",
    },
  };
}
