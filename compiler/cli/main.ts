// The command line: parsing with commander, each command in its own file. Exit codes:
// 0 success; 1 the config has errors or --check/snapshot found drift; 2 usage error or
// internal failure. Results go to stdout, diagnostics and summaries to stderr.
import type { Command as CommandType } from "commander";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { runScript } from "./script-loader.ts";

// The package runs commander as a script the build bundled, from its V8 code cache (scripts/build.js):
// compiling commander's modules at every start cost ~11 ms of CPU more. From the sources, by require:
// node's ESM import of commander's CommonJS entry (through its esm.mjs) costs ~10 ms more again.
const COMMANDER_SCRIPT = new URL("./commander.script.js", import.meta.url);
const { Command, CommanderError, Option } = (existsSync(COMMANDER_SCRIPT)
  ? runScript(COMMANDER_SCRIPT, new URL("./commander.script.cache", import.meta.url), import.meta.url)
  : createRequire(import.meta.url)("commander")) as typeof import("commander");

// Commands load on use: `meshc --help` should not pay for every target's dependencies.
const runCompile = async (...a: Parameters<typeof import("./compile-command.ts").runCompile>) => (await import("./compile-command.ts")).runCompile(...a);
const runInit = async (...a: Parameters<typeof import("./init-command.ts").runInit>) => (await import("./init-command.ts")).runInit(...a);
const runDiff = async (...a: Parameters<typeof import("./diff-command.ts").runDiff>) => (await import("./diff-command.ts")).runDiff(...a);
const runExplain = async (...a: Parameters<typeof import("./explain-command.ts").runExplain>) => (await import("./explain-command.ts")).runExplain(...a);
const runGraph = async (...a: Parameters<typeof import("./graph-command.ts").runGraph>) => (await import("./graph-command.ts")).runGraph(...a);
const runSnapshot = async (...a: Parameters<typeof import("./snapshot-command.ts").runSnapshot>) => (await import("./snapshot-command.ts")).runSnapshot(...a);
const runCertsIssue = async (...a: Parameters<typeof import("./certs-command.ts").runCertsIssue>) => (await import("./certs-command.ts")).runCertsIssue(...a);

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

const formatOption = () => new Option("--format <format>", "diagnostics as text, json, or GitHub annotations").choices(["text", "json", "github"]).default("text");

export function buildProgram(setExit: (code: number) => void): CommandType {
  const program = new Command("meshc")
    .description("Declarative service-mesh compiler: one typed mesh config, deterministic Envoy, nginx, HAProxy, Kubernetes and certificate bundles.")
    .version((JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version)
    .showHelpAfterError()
    .exitOverride()
    // A mesh.config.ts runs in a child process with a time limit (compiler/load/typescript.ts).
    .option("--config-timeout <seconds>", "time limit for evaluating a mesh.config.ts (default 10)")
    .hook("preAction", (cmd) => {
      const limit = cmd.opts<{ configTimeout?: string }>().configTimeout;
      if (limit === undefined) return;
      if (!/^\d+(\.\d+)?$/.test(limit) || Number(limit) <= 0) throw new CommanderError(2, "meshc.configTimeout", `--config-timeout: expected a number of seconds, got ${JSON.stringify(limit)}`);
      process.env.MESHC_CONFIG_TIMEOUT = limit;
    });

  program.command("compile")
    .description("validate the config and write the bundle (or check it, or print the IR)")
    .argument("[config]", "mesh.config.ts, mesh.yaml, mesh.json or mesh.toml (default: found in the working directory)")
    .option("-o, --out <dir>", "bundle folder", "mesh-bundle")
    .option("-t, --target <list>", "comma-separated targets (default: the config's targets, else all)")
    .option("--check", "write nothing; exit 1 if the bundle on disk differs from the config's")
    .addOption(new Option("--emit <what>", "print instead of writing: ir").choices(["ir"]))
    .option("--no-typecheck", "skip the TypeScript type-check of mesh.config.ts")
    .option("--verify", "also run the real checks that need installed tools (nginx -t, haproxy -c)")
    .option("--no-verify", "skip every output check (Envoy protos, Kubernetes schemas)")
    .option("--adopt", "write into a folder holding files meshc did not write (they are never touched)")
    .addOption(new Option("--sidecar <proxy>", "the proxy the Kubernetes sidecars run").choices(["envoy", "nginx", "haproxy"]).default("envoy"))
    .option("--gateway-class <name>", "GatewayClass of the Kubernetes Gateways (overrides the config's kubernetes.gatewayClassName)")
    .addOption(new Option("--image-pull-policy <policy>", "imagePullPolicy of the Kubernetes sidecar and init containers").choices(["Always", "IfNotPresent", "Never"]))
    .option("--cert-dir <dir>", "where proxies read certificates at run time", "/etc/meshc/certs")
    .option("--run-dir <dir>", "where proxies keep pid files and temp dirs", "/var/run/meshc")
    .option("--log-dir <dir>", "where proxies that cannot log to stdout write logs", "/var/log/meshc")
    .option("-w, --watch", "recompile on every save of the config or a file it imports")
    .option("-v, --verbose", "also print info diagnostics")
    .addOption(formatOption())
    .action(async (config, opts) => setExit(await runCompile(config, opts)));

  program.command("validate")
    .description("check the config and print diagnostics; writes nothing")
    .argument("[config]", "the config (default: found in the working directory)")
    .option("-t, --target <list>", "comma-separated targets whose capabilities to check")
    .option("--no-typecheck", "skip the TypeScript type-check")
    .option("-v, --verbose", "also print info diagnostics")
    .addOption(formatOption())
    .action(async (config, opts) => setExit(await runCompile(config, { ...opts, validateOnly: true })));

  program.command("init")
    .description("scaffold a project: mesh.config.ts, tsconfig.json, npm scripts, a policy test and a CI workflow")
    .argument("[dir]", "folder to write it in", ".")
    .option("--force", "overwrite an existing mesh.config.ts")
    .action(async (dir, opts) => setExit(await runInit(dir, opts)));

  program.command("diff")
    .description("what a change does: semantic summary, then file diffs per target")
    .argument("[old]", "old config, bundle folder, or git revision")
    .argument("[new]", "new config or bundle folder (default: the config in the working directory)")
    .option("--base <rev>", "compare with the config as it is at this git revision")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json", "markdown"]).default("text"))
    .option("--exit-code", "exit 1 when there are differences")
    .option("--no-files", "print only the semantic summary")
    .option("--no-color", "no ANSI colors")
    .option("-v, --verbose", "list every change under its cause (text and markdown)")
    .option("--max-chars <n>", "size budget of --format markdown (GitHub comments stop at 65,536)", "60000")
    .action(async (oldRef, newRef, opts) => setExit(await runDiff(oldRef, newRef, opts)));

  program.command("graph")
    .description("draw the mesh: services, gateways, routes and allowed callers")
    .argument("[config]", "the config (default: found in the working directory)")
    .addOption(new Option("--format <format>", "output format").choices(["mermaid", "dot", "svg"]).default("mermaid"))
    .action(async (config, opts) => setExit(await runGraph(config, opts)));

  program.command("snapshot")
    .description("compare the bundle with snapshots/<name>/, or rewrite it with --update")
    .argument("[config]", "the config (default: found in the working directory)")
    .option("--update", "rewrite the snapshot")
    .option("--dir <dir>", "snapshot root", "snapshots")
    .option("--name <name>", "snapshot name (default: the mesh name)")
    .action(async (config, opts) => setExit(await runSnapshot(config, opts)));

  program.command("explain")
    .description("what happens to one request: route, backends, retries, authorization and which rule decided")
    .argument("[config]", "the config (default: found in the working directory)")
    .requiredOption("--from <service>", "calling service or gateway")
    .requiredOption("--to <service>", "destination service (or host, for a gateway)")
    .option("--method <method>", "HTTP method", "GET")
    .option("--path <path>", "request path", "/")
    .option("-H, --header <header>", "request header as name:value (repeatable)", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .action(async (config, opts) => setExit(await runExplain(config, opts)));

  const certsCmd = program.command("certs").description("certificates for the mesh identities");
  certsCmd.command("issue")
    .description("DEV ONLY: mint a dev CA and every identity's key and certificate from the bundle's certs/manifest.toml")
    .argument("[bundle]", "bundle folder", "mesh-bundle")
    .requiredOption("--dir <dir>", "where to write keys and certificates (never inside the bundle)")
    .option("--rotate", "mint a new CA even if one exists")
    .action(async (bundle, opts) => setExit(await runCertsIssue(bundle, opts)));

  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram((c) => { code = c; });
  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    process.stderr.write(`meshc: internal error MESH9001: ${error instanceof Error ? error.message : String(error)}\n  hint: this is a bug in meshc; please report it with the config that triggers it\n`);
    return EXIT.usage;
  }
}
