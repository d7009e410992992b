// `meshc init`: a starter mesh.config.ts that compiles as written.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const STARTER = `import { defineMesh } from "meshc";

// A starter mesh: web calls api over mTLS; nothing else may talk.
// Compile it with: npx meshc compile --out mesh-bundle
export default defineMesh({
  name: "starter",
  trustDomain: "starter.example.com",
  namespace: "starter",
  defaults: { mtls: "strict", authorization: "deny", timeout: "5s" },
  services: {
    web: { ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["10.0.0.10"] },
    api: { ports: { http: { port: 8080, protocol: "http" } }, endpoints: ["10.0.0.20"] },
  },
  routes: [
    { name: "web-api", from: "web", to: "api", match: { path: { prefix: "/" } },
      retries: { attempts: 2, perTryTimeout: "1s" } },
  ],
  authorization: [
    { name: "web-calls-api", allow: { from: ["web"], to: "api", methods: ["GET", "POST"] } },
  ],
});
`;

export async function runInit(dir: string, opts: { force?: boolean }): Promise<number> {
  const target = join(dir, "mesh.config.ts");
  if (existsSync(target) && !opts.force) {
    process.stderr.write(`meshc: ${target} exists; pass --force to overwrite it\n`);
    return 1;
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(target, STARTER);
  process.stderr.write(`meshc: wrote ${target}; next: npx meshc compile ${target} --out mesh-bundle\n`);
  return 0;
}
