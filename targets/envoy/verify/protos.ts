// Loads the Envoy API protos, once per process. Messages reached through `Any` (HCM, TLS,
// RBAC, ...) are loaded lazily by their `@type`: a proto package lives in the folder of the
// same name, so the folder is loaded on first use. In the repository the protos come from
// @grpc/grpc-js-xds (a devDependency: 22 MB and a gRPC stack the compiler never runs); the
// build copies the files these loads reach into `protos/` beside the compiled module
// (collectProtoFiles), and the package reads only those.
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type protobuf from "protobufjs";

const require = createRequire(import.meta.url);
/** protobufjs itself, required on first use: a compile without Envoy verification never loads it. */
export const protobufjs = (): typeof protobuf => require("protobufjs") as typeof protobuf;

/** These import opencensus / opentelemetry / prometheus protos that are not shipped; one failed load poisons the Root. */
const UNLOADABLE = new Set([
  "envoy/config/trace/v3/opencensus.proto",
  "envoy/config/trace/v3/trace.proto",
  "envoy/extensions/access_loggers/open_telemetry/v3/logs_service.proto",
  "envoy/service/metrics/v3/metrics_service.proto",
  "envoy/service/trace/v3/trace_service.proto",
]);

export const BOOTSTRAP_TYPE = "envoy.config.bootstrap.v3.Bootstrap";

export interface EnvoyProtos {
  readonly root: protobuf.Root;
  /** The message type named by a proto full name, loading its package on first use; null if none. */
  resolveType(fullName: string): protobuf.Type | null;
  /** Milliseconds spent loading the bootstrap closure. */
  readonly loadMs: number;
}

const BOOTSTRAP_FILE = "envoy/config/bootstrap/v3/bootstrap.proto";

/** @grpc/grpc-js-xds's proto folders; throws when it is not installed. */
function xdsFolders(): string[] {
  const xdsPackage = dirname(require.resolve("@grpc/grpc-js-xds/package.json"));
  return ["envoy-api", "xds", "googleapis", "protoc-gen-validate"].map((d) => join(xdsPackage, "deps", d));
}

/** The subset the build shipped beside this module (the package), else @grpc/grpc-js-xds's folders (the repository). */
function depsFolders(): string[] {
  const shipped = fileURLToPath(new URL("./protos", import.meta.url));
  return existsSync(join(shipped, BOOTSTRAP_FILE)) ? [shipped] : xdsFolders();
}

let descriptorRegistered = false;

/** Custom options (validate.rules, udpa annotations) extend descriptor.proto, which protobufjs does not bundle by default. */
function registerDescriptor(): void {
  if (descriptorRegistered) return;
  const descriptor = require("protobufjs/google/protobuf/descriptor.json");
  protobufjs().common("descriptor", descriptor.nested.google.nested.protobuf.nested);
  descriptorRegistered = true;
}

function createRoot(folders: readonly string[]): protobuf.Root {
  const root = new (protobufjs().Root)();
  root.resolvePath = (_origin, target) => {
    for (const folder of folders) {
      const candidate = join(folder, target);
      if (existsSync(candidate)) return candidate;
    }
    return target;
  };
  return root;
}

function loadProtoFiles(root: protobuf.Root, files: readonly string[]): void {
  const loadable = files.filter((f) => !UNLOADABLE.has(f));
  if (loadable.length > 0) root.loadSync(loadable as string[], { keepCase: true });
}

function lookupMessage(root: protobuf.Root, fullName: string): protobuf.Type | null {
  try {
    const found = root.lookup(fullName);
    return found instanceof protobufjs().Type ? found : null;
  } catch {
    return null;
  }
}

/** The .proto files of a package: `a.b.v3.Msg` -> every file in `a/b/v3/` of a deps folder. */
function packageFiles(folders: readonly string[], fullName: string): string[] {
  const parts = fullName.split(".");
  const files: string[] = [];
  // Try the longest package prefix first: nested messages make the type name deeper.
  for (let end = parts.length - 1; end > 0 && files.length === 0; end--) {
    const relative = parts.slice(0, end).join("/");
    for (const folder of folders) {
      const dir = join(folder, relative);
      if (!existsSync(dir)) continue;
      for (const name of readdirSync(dir).sort()) if (name.endsWith(".proto")) files.push(`${relative}/${name}`);
    }
  }
  return files;
}

function createEnvoyProtos(): EnvoyProtos {
  registerDescriptor();
  const folders = depsFolders();
  const started = performance.now();
  const root = createRoot(folders);
  loadProtoFiles(root, [BOOTSTRAP_FILE]);
  root.resolveAll();
  const loadMs = performance.now() - started;
  const cache = new Map<string, protobuf.Type | null>();
  const resolveType = (fullName: string): protobuf.Type | null => {
    if (cache.has(fullName)) return cache.get(fullName)!;
    let type = lookupMessage(root, fullName);
    if (type === null && /^[A-Za-z0-9_.]+$/.test(fullName)) {
      try {
        loadProtoFiles(root, packageFiles(folders, fullName));
        root.resolveAll();
        type = lookupMessage(root, fullName);
      } catch {
        type = null;
      }
    }
    cache.set(fullName, type);
    return type;
  };
  return { root, resolveType, loadMs };
}

let shared: EnvoyProtos | null = null;

/** The process-wide protos; the first call pays for loading (about 0.1-0.2 s). Throws if the protos are missing. */
export function loadEnvoyProtos(): EnvoyProtos {
  shared ??= createEnvoyProtos();
  return shared;
}

/** Null when the protos are present; otherwise what is missing. */
export function missingEnvoyProtos(): string | null {
  try {
    const folder = depsFolders()[0];
    return existsSync(join(folder, BOOTSTRAP_FILE)) ? null : `Envoy API protos not found under ${folder}`;
  } catch {
    return "the Envoy API protos are missing: the package ships them in dist/targets/envoy/verify/protos; in the repository, npm install (@grpc/grpc-js-xds holds them)";
  }
}

/**
 * For the build: every .proto file (relative to its folder, with the folder) that loading
 * the bootstrap and the packages of `typeNames` reads from @grpc/grpc-js-xds, exactly as
 * createEnvoyProtos does at run time, and the loaded root (the build's plan table is read from it);
 * throws if one of `typeNames` does not resolve.
 */
export function collectProtoFiles(typeNames: readonly string[]): { files: { folder: string; file: string }[]; root: protobuf.Root } {
  registerDescriptor();
  const folders = xdsFolders();
  const root = createRoot(folders);
  loadProtoFiles(root, [BOOTSTRAP_FILE]);
  for (const name of typeNames) {
    if (lookupMessage(root, name) === null) loadProtoFiles(root, packageFiles(folders, name));
    root.resolveAll();
    if (lookupMessage(root, name) === null) throw new Error(`${name} is not in the Envoy API protos`);
  }
  const files = root.files.flatMap((path) => {
    const folder = folders.find((f) => path.startsWith(f + sep));
    return folder === undefined ? [] : [{ folder, file: relative(folder, path) }];
  });
  return { files, root };
}
