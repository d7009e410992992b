// Edge gateways as Gateway API objects: a Gateway with one listener per host, and the
// routes attached to it: HTTPRoute, or GRPCRoute / TCPRoute when the backend's port
// speaks gRPC / TCP. Rules keep the user's order, though Gateway API ranks matches by
// specificity rather than order (documented in README.md).
import type { GatewayInfraIR, GatewayRouteIR } from "../../compiler/ir/types.ts";
import { kubernetesCodes as codes } from "./codes.ts";
import { buildMetadata, buildModelObject, type EmitContext, type Manifest } from "./context.ts";
import {
  buildGrpcMethodMatch, buildHeaderModifier, buildHttpFilters, buildHttpMatches, buildStringMatch, formatGatewayDuration, isEmptyMutation,
} from "./gateway-matches.ts";
import { manifestFileName, versionServiceName } from "./names.ts";
import { hasServiceFor } from "./workloads.ts";
import { Gateway, GRPCRoute, HTTPRoute, TCPRoute } from "./schema/gateway-api.ts";

type RouteKind = "http" | "grpc" | "tcp";

/** The protocol of the port the route's first backend reaches decides the route kind. */
function classifyRoute(ctx: EmitContext, route: GatewayRouteIR): RouteKind {
  const first = route.backends[0];
  const workload = first === undefined ? undefined : ctx.workloadByName.get(first.service);
  const protocol = workload?.ports.find((p) => p.port === first?.port)?.protocol ?? "http";
  return protocol === "grpc" ? "grpc" : protocol === "tcp" ? "tcp" : "http";
}

/** Listener names are section names (DNS labels): `shop.example.com` -> `shop-example-com`, `*.x.com` -> `wildcard-x-com`. */
const listenerName = (host: string) => host.replace(/^\*\./, "wildcard.").replace(/\./g, "-");

function buildBackendRefs(route: GatewayRouteIR) {
  return route.backends.map((b) => ({
    name: b.subset === null ? b.service : versionServiceName(b.service, b.subset), port: b.port, weight: b.weight,
  }));
}

function buildGateway(ctx: EmitContext, gateway: GatewayInfraIR, tcpOnly: boolean): Manifest {
  const tls = gateway.tlsSecretName === null ? undefined
    : { mode: "Terminate" as const, certificateRefs: [{ group: "", kind: "Secret", name: gateway.tlsSecretName }] };
  const listeners = tcpOnly
    ? [{ name: "tcp", port: gateway.port, protocol: "TCP" as string, allowedRoutes: { kinds: [{ kind: "TCPRoute" }] } }]
    : (gateway.hosts.length === 0 ? [null] : gateway.hosts).map((host) => ({
      name: host === null ? "default" : listenerName(host),
      hostname: host ?? undefined,
      port: gateway.port,
      protocol: tls ? "HTTPS" as string : "HTTP",
      tls,
    }));
  // The gateway presents its own mesh identity to the sidecars behind it.
  const identity = ctx.identityByName.get(gateway.proxy);
  const object = buildModelObject(Gateway, {
    metadata: buildMetadata(ctx, gateway.name, gateway.proxy),
    spec: {
      gatewayClassName: ctx.options.gatewayClassName,
      listeners,
      tls: identity ? { backend: { clientCertificateRef: { group: "", kind: "Secret", name: identity.secretName } } } : undefined,
    },
  });
  return { file: manifestFileName("Gateway", gateway.name), object };
}

/**
 * One HTTPRoute per distinct route hostnames: routes without hostnames share the
 * gateway-named one (the gateway's hosts); routes with hostnames go to one named after
 * the first of them, since hostnames belong to an HTTPRoute, not to a rule.
 */
function buildHttpRoutes(ctx: EmitContext, gateway: GatewayInfraIR, routes: readonly GatewayRouteIR[]): Manifest[] {
  const groups = new Map<string, GatewayRouteIR[]>();
  for (const route of routes) {
    const key = (route.match.hostnames ?? []).join(",");
    groups.set(key, [...(groups.get(key) ?? []), route]);
  }
  return [...groups.entries()].map(([key, members]) => {
    const name = key === "" ? gateway.name : `${gateway.name}-${members[0]!.name}`;
    const hostnames = key === "" ? gateway.hosts : members[0]!.match.hostnames!;
    return buildHttpRoute(ctx, gateway, name, hostnames, members);
  });
}

function buildHttpRoute(ctx: EmitContext, gateway: GatewayInfraIR, name: string, hostnames: readonly string[], routes: readonly GatewayRouteIR[]): Manifest {
  const object = buildModelObject(HTTPRoute, {
    metadata: buildMetadata(ctx, name),
    spec: {
      parentRefs: [{ name: gateway.name }],
      hostnames: hostnames.length === 0 ? undefined : [...hostnames],
      rules: routes.map((route) => ({
        name: route.name,
        matches: buildHttpMatches(ctx, route),
        filters: buildHttpFilters(ctx, route) as never,
        backendRefs: route.redirect ? undefined : buildBackendRefs(route),
        timeouts: route.timeoutMs === null || route.redirect ? undefined : { request: formatGatewayDuration(route.timeoutMs) },
      })),
    },
  });
  return { file: manifestFileName("HTTPRoute", name), object };
}

function reportGrpcGaps(ctx: EmitContext, route: GatewayRouteIR): void {
  const gaps: string[] = [];
  if (route.match.path !== null && buildGrpcMethodMatch(route.match.path) === null) gaps.push(`path ${route.match.path.kind} "${route.match.path.value}" is not a gRPC service or method`);
  if (route.match.methods.some((m) => m !== "POST")) gaps.push("HTTP method matches");
  if (route.match.query.length > 0) gaps.push("query matches");
  if (route.rewritePrefix !== null || route.rewritePath != null || route.rewriteHost != null || route.rewriteRegex) gaps.push("URL rewrites");
  if (route.redirect || route.direct) gaps.push("redirects and direct responses");
  if (route.match.hostnames?.length) gaps.push("per-route hostnames (the GRPCRoute carries the gateway's hosts)");
  if (route.timeoutMs !== null) gaps.push("timeouts");
  for (const gap of gaps) ctx.report(codes.grpcRouteUnsupported, { message: `gRPC route "${route.name}": ${gap} cannot be expressed in a GRPCRoute`, path: route.origin });
}

function buildGrpcRoute(ctx: EmitContext, gateway: GatewayInfraIR, routes: readonly GatewayRouteIR[]): Manifest {
  const name = `${gateway.name}-grpc`;
  const object = buildModelObject(GRPCRoute, {
    metadata: buildMetadata(ctx, name),
    spec: {
      parentRefs: [{ name: gateway.name }],
      hostnames: gateway.hosts.length === 0 ? undefined : [...gateway.hosts],
      rules: routes.map((route) => {
        reportGrpcGaps(ctx, route);
        const method = route.match.path === null ? undefined : buildGrpcMethodMatch(route.match.path) ?? undefined;
        const headers = route.match.headers.map((h, i) => buildStringMatch(ctx, h, `${route.origin}.match.headers[${i}]`));
        const match = { method, headers: headers.length === 0 ? undefined : headers };
        return {
          name: route.name,
          matches: method === undefined && headers.length === 0 ? undefined : [match],
          filters: isEmptyMutation(route.requestHeaders) ? undefined : [buildHeaderModifier(route.requestHeaders)],
          backendRefs: buildBackendRefs(route),
        };
      }),
    },
  });
  return { file: manifestFileName("GRPCRoute", name), object };
}

function buildTcpRoute(ctx: EmitContext, gateway: GatewayInfraIR, routes: readonly GatewayRouteIR[]): Manifest {
  for (const route of routes) {
    const m = route.match;
    if (m.path !== null || m.methods.length > 0 || m.headers.length > 0 || m.query.length > 0 || route.timeoutMs !== null
      || route.rewritePrefix !== null || !isEmptyMutation(route.requestHeaders)) {
      ctx.report(codes.gatewayMethodOnTcp, { message: `TCP route "${route.name}" has HTTP matches or actions`, path: route.origin });
    }
  }
  const name = `${gateway.name}-tcp`;
  const object = buildModelObject(TCPRoute, {
    metadata: buildMetadata(ctx, name),
    spec: {
      parentRefs: [{ name: gateway.name, sectionName: "tcp" }],
      rules: routes.map((route) => ({ name: route.name, backendRefs: buildBackendRefs(route) })),
    },
  });
  return { file: manifestFileName("TCPRoute", name), object };
}

export function buildGatewayObjects(ctx: EmitContext, gateway: GatewayInfraIR): Manifest[] {
  const byKind: Record<RouteKind, GatewayRouteIR[]> = { http: [], grpc: [], tcp: [] };
  for (const route of gateway.routes) byKind[classifyRoute(ctx, route)].push(route);
  const tcpOnly = byKind.tcp.length > 0 && byKind.http.length === 0 && byKind.grpc.length === 0;
  if (byKind.tcp.length > 0 && !tcpOnly) {
    ctx.report(codes.gatewayTcpPortClash, {
      message: `gateway "${gateway.name}" mixes TCP routes (${byKind.tcp.map((r) => r.name).join(", ")}) with HTTP routes on port ${gateway.port}`,
      path: `gateways.${gateway.name}`,
    });
  }
  // A backendRef names a Service: a backend known only by DNS name has none (workloads.ts).
  for (const route of gateway.routes) {
    for (const b of route.backends) {
      const workload = ctx.workloadByName.get(b.service);
      if (workload === undefined || hasServiceFor(workload, b.subset)) continue;
      ctx.report(codes.gatewayBackendWithoutService, {
        message: `gateway "${gateway.name}" routes "${route.name}" to ${b.subset === null ? `"${b.service}"` : `version ${b.subset} of "${b.service}"`}, which runs outside Kubernetes at a DNS name: a Gateway API backendRef names a Service, and meshc emits none for it`,
        path: route.origin,
        hint: `give ${b.service}${b.subset === null ? "" : ` version ${b.subset}`} IP addresses as endpoints (a selector-less Service with EndpointSlices), or route to it through a service in the mesh`,
      });
    }
  }
  const out = [buildGateway(ctx, gateway, tcpOnly)];
  if (byKind.http.length > 0) out.push(...buildHttpRoutes(ctx, gateway, byKind.http));
  if (byKind.grpc.length > 0) out.push(buildGrpcRoute(ctx, gateway, byKind.grpc));
  if (tcpOnly) out.push(buildTcpRoute(ctx, gateway, byKind.tcp));
  return out;
}
