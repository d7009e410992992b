// Generates a mesh of N services as the benchmark's input (and as a scale fixture for
// tests), in the shape issue 14 measured: each service has 3 routes and 2 authorization
// rules towards its neighbours (i+1, i+2), a third of the services run two versions
// (v1, v2, one static endpoint each) and the route to them splits 90/10, and every tenth
// service has outlier detection. `pods: true` makes every service a Kubernetes workload (no
// static endpoints), so the Kubernetes target emits a sidecar (ConfigMap and patch) per service.
export function generateMesh(n: number, options: { readonly pods?: boolean } = {}): Record<string, unknown> {
  const name = (i: number) => `svc-${i % n}`;
  const versioned = (i: number) => (i % n) % 3 === 0;
  const ip = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const services: Record<string, unknown> = {};
  const routes: unknown[] = [];
  const authorization: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const addresses = [ip(i * 2 + 1), ip(i * 2 + 2)];
    services[name(i)] = {
      ports: { http: { port: 8080, protocol: "http" } },
      ...(options.pods
        ? (versioned(i) ? { versions: { v1: {}, v2: {} } } : {})
        : versioned(i)
          ? { versions: { v1: { endpoints: [addresses[0]] }, v2: { endpoints: [addresses[1]] } } }
          : { endpoints: addresses }),
      ...(i % 10 === 0 ? { outlierDetection: { consecutive5xx: 5, ejectFor: "30s" } } : {}),
    };
    routes.push(
      { name: `r${i}-orders`, from: name(i), to: name(i + 1), match: { path: { prefix: "/orders" }, methods: ["GET"] }, timeout: "3s" },
      { name: `r${i}-items`, from: name(i), to: name(i + 1), match: { path: { prefix: "/items" } }, retries: { attempts: 1, perTryTimeout: "1s" } },
      { name: `r${i}-any`, from: name(i), to: name(i + 2), match: { path: { prefix: "/" } }, ...(versioned(i + 2) ? { split: { v1: 90, v2: 10 } } : {}) },
    );
    authorization.push(
      { name: `a${i}-read`, allow: { from: [name(i)], to: name(i + 1), methods: ["GET"] } },
      { name: `a${i}-all`, allow: { from: [name(i)], to: name(i + 2) } },
    );
  }
  return { name: `bench-${n}`, trustDomain: "bench.example.com", namespace: "bench", services, routes, authorization };
}
