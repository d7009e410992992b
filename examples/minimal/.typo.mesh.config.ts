import { defineMesh } from "meshc";

// Two services: web calls api. mTLS is strict and nothing talks unless a rule allows it.
export default defineMesh({
  name: "minimal",
  trustDomain: "minimal.example.com",
  namespace: "minimal",
  services: {
    web: { ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["10.0.0.10"] },
    api: { ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["10.0.0.20", "10.0.0.21"] },
  },
  routes: [
    { name: "web-to-api", from: "web", to: "apj", match: { path: { prefix: "/" } }, timeout: "3s",
      retries: { attempts: 2, perTryTimeout: "1s", on: ["5xx", "connect-failure"] } },
  ],
  authorization: [
    { name: "web-reads-api", allow: { from: ["web"], to: "api", methods: ["GET", "HEAD"] } },
  ],
});
