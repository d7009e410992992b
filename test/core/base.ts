// A small valid mesh as plain data, and a way to derive broken variants from it.
export function baseMesh(): any {
  return {
    name: "t", trustDomain: "t.example.com", namespace: "t",
    services: {
      web: { ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["10.0.0.10"] },
      api: { ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["10.0.0.20"], versions: { v1: { endpoints: ["10.0.0.21"] }, v2: { endpoints: ["10.0.0.22"] } } },
      db: { ports: { pg: { port: 5432, protocol: "tcp" } }, endpoints: ["10.0.0.30"] },
    },
    routes: [
      { name: "web-api", from: "web", to: "api", match: { path: { prefix: "/api" } }, split: { v1: 90, v2: 10 }, timeout: "3s" },
      { name: "web-db", from: "web", to: "db" },
    ],
    authorization: [
      { name: "web-api", allow: { from: ["web"], to: "api", methods: ["GET"] } },
      { name: "web-db", allow: { from: ["web"], to: "db" } },
    ],
  };
}

export function variant(change: (m: any) => void): any {
  const m = baseMesh();
  change(m);
  return m;
}
