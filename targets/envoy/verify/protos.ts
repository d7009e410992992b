// Loads the Envoy API protos shipped with @grpc/grpc-js-xds, once per process. Messages
// reached through `Any` (HCM, TLS, RBAC, ...) are loaded lazily by their `@type`: a proto
// package lives in the folder of the same name, so the folder is loaded on first use.
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
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

function depsFolders(): string[] {
  const xdsPackage = dirname(require.resolve("@grpc/grpc-js-xds/package.json"));
  return ["envoy-api", "xds", "googleapis", "protoc-gen-validate"].map((d) => join(xdsPackage, "deps", d));
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
  loadProtoFiles(root, ["envoy/config/bootstrap/v3/bootstrap.proto"]);
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
    return existsSync(join(folder, "envoy/config/bootstrap/v3/bootstrap.proto")) ? null : `Envoy API protos not found under ${folder}`;
  } catch {
    return "@grpc/grpc-js-xds is not installed (it ships the Envoy API protos): npm install @grpc/grpc-js-xds";
  }
}
