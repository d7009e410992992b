// `meshc init`: a project that works on its own: a starter mesh.config.ts that compiles, a
// tsconfig.json, npm scripts, an example policy test and a CI workflow. It never
// overwrites: existing files are kept (mesh.config.ts only with --force), and an existing
// package.json only gains the scripts it lacks.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { NPM_PLACEHOLDER_TEST, POLICY_TEST, POLICY_TEST_PATH, SCRIPTS, TSCONFIG, WORKFLOW, WORKFLOW_PATH } from "./init-files.ts";

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

type PackageJson = { scripts?: Record<string, string>; [key: string]: unknown };

function packageName(dir: string): string {
  return basename(resolve(dir)).toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[._-]+/, "") || "mesh";
}

/** The package.json text with meshc's scripts added; null when nothing changes. */
export function withScripts(text: string | null, dir: string, version: string): { text: string; added: string[] } | null {
  if (text === null) {
    const pkg = { name: packageName(dir), private: true, type: "module", scripts: { ...SCRIPTS, test: "npm run mesh:test" }, devDependencies: { meshc: `^${version}` } };
    return { text: JSON.stringify(pkg, null, 2) + "\n", added: Object.keys(pkg.scripts) };
  }
  const pkg = JSON.parse(text) as PackageJson;
  const scripts = { ...(pkg.scripts ?? {}) };
  const added: string[] = [];
  for (const [name, command] of Object.entries(SCRIPTS)) {
    if (scripts[name] === undefined) { scripts[name] = command; added.push(name); }
  }
  if (scripts.test === undefined || scripts.test === NPM_PLACEHOLDER_TEST) { scripts.test = "npm run mesh:test"; added.push("test"); }
  if (added.length === 0) return null;
  const indent = /^\{\n([ \t]+)"/.exec(text)?.[1] ?? 2;
  return { text: JSON.stringify({ ...pkg, scripts }, null, indent) + "\n", added };
}

function meshcVersion(): string {
  return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
}

export async function runInit(dir: string, opts: { force?: boolean }): Promise<number> {
  const config = join(dir, "mesh.config.ts");
  if (existsSync(config) && !opts.force) {
    process.stderr.write(`meshc: ${config} exists; pass --force to overwrite it\n`);
    return 1;
  }
  const wrote: string[] = [];
  const kept: string[] = [];
  const write = (rel: string, text: string, overwrite = false) => {
    const path = join(dir, rel);
    if (existsSync(path) && !overwrite) { kept.push(rel); return; }
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    wrote.push(rel);
  };
  write("mesh.config.ts", STARTER, true);
  write("tsconfig.json", TSCONFIG);
  write(POLICY_TEST_PATH, POLICY_TEST);
  write(WORKFLOW_PATH, WORKFLOW);
  const pkgPath = join(dir, "package.json");
  const pkgText: string | null = existsSync(pkgPath) ? readFileSync(pkgPath, "utf8") : null;
  let updated: ReturnType<typeof withScripts>;
  try {
    updated = withScripts(pkgText, dir, meshcVersion());
  } catch (error) {
    process.stderr.write(`meshc: ${pkgPath} is not valid JSON (${error instanceof Error ? error.message : String(error)}); add the scripts by hand: ${JSON.stringify(SCRIPTS)}\n`);
    return 1;
  }
  if (updated) {
    writeFileSync(pkgPath, updated.text);
    wrote.push(`package.json (${pkgText === null ? "new" : "scripts added"}: ${updated.added.join(", ")})`);
  }
  process.stderr.write(
    `meshc: wrote ${wrote.join(", ")}${kept.length ? `; kept existing ${kept.join(", ")}` : ""}\n` +
    `next: npm run mesh:compile   (writes mesh-bundle/; commit it: CI runs --check)\n` +
    `      npm run mesh:test      (the policy tests in ${POLICY_TEST_PATH})\n`);
  return 0;
}
