import { defineMesh } from "meshc";
import { grpcRetries, idempotentRetries } from "./policies.ts";

// An online shop: an edge gateway in front of the web front end, an API layer, a catalog
// under a canary, gRPC payments, a Postgres ledger over TCP, and an external payment
// provider reached through egress. Nothing talks unless a rule below allows it.
export default defineMesh({
  name: "shop",
  trustDomain: "shop.example.com",
  namespace: "shop",
  defaults: {
    mtls: "strict",
    authorization: "deny",
    timeout: "5s",
    retries: idempotentRetries,
    tls: { minVersion: "1.2" },
  },
  services: {
    web: { ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["10.0.1.10", "10.0.1.11"] },
    api: {
      ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["10.0.1.20", "10.0.1.21"],
      rateLimit: { requests: 200, per: "1s", burst: 50 },
      loadBalancing: "least-request",
    },
    catalog: {
      ports: { http: { port: 8080, protocol: "http" } },
      versions: { v1: { endpoints: ["10.0.2.10", "10.0.2.11"] }, v2: { endpoints: ["10.0.2.20"] } },
      loadBalancing: "least-request",
      outlierDetection: { consecutive5xx: 5, interval: "10s", ejectFor: "30s" },
      healthCheck: { path: "/healthz", interval: "5s", timeout: "1s" },
    },
    search: { ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["10.0.2.30"], connectionLimits: { maxConnections: 200, maxPendingRequests: 100 } },
    recommendations: { ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["10.0.2.40"] },
    cart: {
      ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["10.0.3.10", "10.0.3.11"],
      loadBalancing: { hash: { cookie: "session" } },
    },
    checkout: { ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["10.0.3.20"] },
    payments: {
      ports: { grpc: { port: 9090, protocol: "grpc" } }, endpoints: ["10.0.3.30", "10.0.3.31"],
      rateLimit: { requests: 100, per: "1s" },
      loadBalancing: { hash: { header: "x-customer-id" } },
    },
    inventory: { ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["10.0.4.10"], mtls: "permissive" },
    ledger: { ports: { postgres: { port: 5432, protocol: "tcp" } }, endpoints: ["10.0.4.20"] },
    notifications: { ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["10.0.4.30"] },
  },
  gateways: {
    edge: {
      port: 8443,
      hosts: ["shop.example.com", "www.shop.example.com"],
      rateLimit: { requests: 1000, per: "1s", burst: 200 },
      routes: [
        { name: "edge-api", match: { path: { prefix: "/api/" } }, to: "api", timeout: "10s" },
        { name: "edge-web", match: { path: { prefix: "/" } }, to: "web" },
      ],
    },
  },
  routes: [
    { name: "web-api", from: "web", to: "api", match: { path: { prefix: "/api/" } },
      requestHeaders: { set: { "x-forwarded-by": "web" } } },
    // Canary: testers opt in with a header; everyone else gets a 90/10 split.
    { name: "catalog-canary", from: "api", to: "catalog", match: { path: { prefix: "/api/catalog" }, headers: { "x-canary": "1" } },
      split: { v2: 100 }, rewrite: { prefix: "/catalog" } },
    { name: "catalog", from: "api", to: "catalog", match: { path: { prefix: "/api/catalog" } },
      split: { v1: 90, v2: 10 }, rewrite: { prefix: "/catalog" }, timeout: "3s" },
    { name: "search", from: "api", to: "search", match: { path: { prefix: "/api/search" }, methods: ["GET"] },
      timeout: "2s", retries: { attempts: 1, perTryTimeout: "1s" }, mirror: { to: "recommendations", percent: 10 } },
    { name: "cart", from: "api", to: "cart", match: { path: { prefix: "/api/cart" } } },
    { name: "old-cart", from: "api", to: "cart", match: { path: { exact: "/cart" } },
      redirect: { path: "/api/cart", status: 301 } },
    { name: "checkout", from: "api", to: "checkout", match: { path: { prefix: "/api/checkout" }, methods: ["POST"] },
      timeout: "10s", retries: false },
    { name: "charge", from: "checkout", to: "payments", match: { path: { prefix: "/shop.Payments/" } },
      timeout: "3s", retries: grpcRetries },
    { name: "reserve", from: "checkout", to: "inventory", match: { path: { prefix: "/reserve" }, methods: ["POST"] } },
    { name: "stock", from: ["catalog", "cart"], to: "inventory", match: { path: { prefix: "/stock" }, methods: ["GET"] },
      fault: { delay: { fixed: "50ms", percent: 1 } } },
    { name: "ledger", from: "payments", to: "ledger" },
    { name: "notify", from: "checkout", to: "notifications", match: { path: { exact: "/notify" }, methods: ["POST"] },
      responseHeaders: { remove: ["server"] } },
  ],
  authorization: [
    { name: "no-admin", deny: { from: "*", to: "api", paths: ["/api/admin/*"] } },
    { name: "web-calls-api", allow: { from: ["web"], to: "api" } },
    { name: "api-reads-catalog", allow: { from: ["api"], to: "catalog", methods: ["GET", "HEAD"] } },
    { name: "api-searches", allow: { from: ["api"], to: "search", methods: ["GET"] } },
    { name: "recommendations-mirror", allow: { from: ["api"], to: "recommendations", methods: ["GET"] } },
    { name: "api-uses-cart", allow: { from: ["api"], to: "cart" } },
    { name: "api-checks-out", allow: { from: ["api"], to: "checkout", methods: ["POST"], paths: ["/api/checkout/*"] } },
    { name: "checkout-charges", allow: { from: ["checkout"], to: "payments", methods: ["POST"], paths: ["/shop.Payments/Charge", "/shop.Payments/Refund"] } },
    { name: "stock-reads", allow: { from: ["catalog", "cart", "checkout"], to: "inventory", methods: ["GET"] } },
    { name: "checkout-reserves", allow: { from: ["checkout"], to: "inventory", methods: ["POST"], paths: ["/reserve"] } },
    { name: "payments-ledger", allow: { from: ["payments"], to: "ledger" } },
    { name: "checkout-notifies", allow: { from: ["checkout"], to: "notifications", methods: ["POST"] } },
  ],
  egress: {
    stripe: { host: "api.stripe.com", port: 443, addresses: ["203.0.113.10"], from: ["payments"], timeout: "10s" },
  },
  observability: { accessLog: true, metricsPort: 15090, requestId: true },
});
