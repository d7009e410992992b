// Generates a mesh of N services, each with 3 routes and 2 authorization rules, as the
// benchmark's input (and as a scale fixture for tests). `pods: true` makes every service a
// Kubernetes workload (no static endpoints, a third with two versions), so the Kubernetes
// target emits a sidecar (ConfigMap and patch) per service, as a real cluster mesh would.
export function generateMesh(n: number, options: { readonly pods?: boolean } = {}): Record<string, unknown> {
  const name = (i: number) => `svc-${i % n}`;
  const ip = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const services: Record<string, unknown> = {};
  const routes: unknown[] = [];
  const authorization: unknown[] = [];
  for (let i = 0; i < n; i++) {
    services[name(i)] = {
      ports: { http: { port: 8080, protocol: "http" } },
      ...(options.pods ? (i % 3 === 0 ? { versions: { v1: {}, v2: {} } } : {}) : { endpoints: [ip(i * 2 + 1), ip(i * 2 + 2)] }),
      ...(i % 10 === 0 ? { outlierDetection: { consecutive5xx: 5, ejectFor: "30s" } } : {}),
    };
    routes.push(
      { name: `r${i}-orders`, from: name(i), to: name(i + 1), match: { path: { prefix: "/orders" }, methods: ["GET"] }, timeout: "3s" },
      { name: `r${i}-items`, from: name(i), to: name(i + 1), match: { path: { prefix: "/items" } }, retries: { attempts: 1, perTryTimeout: "1s" } },
      { name: `r${i}-any`, from: name(i), to: name(i + 2), match: { path: { prefix: "/" } } },
    );
    authorization.push(
      { name: `a${i}-read`, allow: { from: [name(i)], to: name(i + 1), methods: ["GET"] } },
      { name: `a${i}-all`, allow: { from: [name(i)], to: name(i + 2) } },
    );
  }
  return { name: `bench-${n}`, trustDomain: "bench.example.com", namespace: "bench", services, routes, authorization };
}
