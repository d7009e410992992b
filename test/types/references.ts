// Type test, checked by `tsc` in the test suite (test/types.test.ts): each
// expect-error directive below must meet an error, and the valid config must have none.
import { defineMesh } from "meshc";

export const valid = defineMesh({
  name: "shop", trustDomain: "shop.example.com", namespace: "shop",
  services: {
    web: { ports: { http: { port: 8080, protocol: "http" } } },
    catalog: { ports: { http: { port: 8080, protocol: "http" } }, versions: { v1: {}, v2: {} } },
    payments: { ports: { grpc: { port: 9090, protocol: "grpc" } }, jwt: { provider: "auth0" } },
  },
  jwtProviders: { auth0: { issuer: "https://auth.example.com/", jwksUri: "https://auth.example.com/jwks.json" } },
  gateways: { edge: { port: 443, hosts: ["shop.example.com"], routes: [{ to: "web" }] } },
  routes: [
    { from: "web", to: "catalog", port: "http", split: { v1: 90, v2: 10 } },
    { from: { gateway: "edge" }, to: "web" },
    { from: ["web"], to: "payments", backends: [{ service: "catalog", version: "v2", weight: 10 }, { service: "payments", weight: 90 }] },
  ],
  authorization: [{ allow: { from: ["web"], to: "payments", methods: ["POST"] } }],
});

defineMesh({
  name: "m", trustDomain: "m.example", namespace: "m",
  services: { web: { ports: { http: { port: 80, protocol: "http" } } }, payments: { ports: { grpc: { port: 90, protocol: "grpc" } } } },
  routes: [
    // @ts-expect-error misspelled destination service
    { from: "web", to: "paymnets" },
    // @ts-expect-error misspelled source service
    { from: "wbe", to: "payments" },
  ],
});

defineMesh({
  name: "m", trustDomain: "m.example", namespace: "m",
  services: {
    web: { ports: { http: { port: 80, protocol: "http" } } },
    catalog: { ports: { http: { port: 80, protocol: "http" } }, versions: { v1: {}, v2: {} } },
  },
  routes: [
    // @ts-expect-error unknown version of catalog
    { from: "web", to: "catalog", split: { v1: 90, v3: 10 } },
    // @ts-expect-error unknown port name of catalog
    { from: "web", to: "catalog", port: "grpc" },
  ],
  // @ts-expect-error misspelled source identity in an authorization rule
  authorization: [{ allow: { from: ["wbe"], to: "catalog" } }],
});

defineMesh({
  name: "m", trustDomain: "m.example", namespace: "m",
  services: {
    // @ts-expect-error unknown JWT provider
    web: { ports: { http: { port: 80, protocol: "http" } }, jwt: { provider: "auth1" } },
  },
  jwtProviders: { auth0: { issuer: "https://a.example/", jwksUri: "https://a.example/jwks" } },
});

defineMesh({
  name: "m", trustDomain: "m.example", namespace: "m",
  services: { web: { ports: { http: { port: 80, protocol: "http" } } } },
  gateways: { edge: { port: 443, hosts: ["a.example"], routes: [{ to: "web" }] } },
  routes: [
    // @ts-expect-error unknown gateway
    { from: { gateway: "edg" }, to: "web" },
  ],
});

defineMesh({
  name: "m", trustDomain: "m.example", namespace: "m",
  services: {
    web: { ports: { http: { port: 80, protocol: "http" } } },
    // @ts-expect-error unknown field (a typo of `endpoints`)
    db: { ports: { pg: { port: 5432, protocol: "tcp" } }, endpoint: ["10.0.0.1"] },
  },
});

defineMesh({
  name: "m", trustDomain: "m.example", namespace: "m",
  services: {
    // @ts-expect-error unknown field nested in a policy (healtCheck.pth)
    web: { ports: { http: { port: 80, protocol: "http" } }, healthCheck: { pth: "/healthz", interval: "5s", timeout: "1s" } },
  },
});

defineMesh({
  name: "m", trustDomain: "m.example", namespace: "m",
  services: { web: { ports: { http: { port: 80, protocol: "http" } } }, api: { ports: { http: { port: 80, protocol: "http" } } } },
  routes: [
    // @ts-expect-error split on a mesh where no service declares versions
    { from: "web", to: "api", split: { v1: 100 } },
  ],
});

defineMesh({
  name: "m", trustDomain: "m.example", namespace: "m",
  services: { web: { ports: { http: { port: 80, protocol: "http" } }, versions: { v1: {} } } },
  gateways: {
    // @ts-expect-error gateway route split names an undeclared version
    edge: { port: 443, hosts: ["a.example"], routes: [{ to: "web", split: { v9: 100 } }] },
  },
});
