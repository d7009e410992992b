#!/usr/bin/env node
// `npm test`: makes sure the real tools the tests judge output with are installed
// (nginx-light, its stream module libnginx-mod-stream, njs libnginx-mod-http-js and libnginx-mod-stream-js, and haproxy from Debian's packages), type-checks the repository (which
// includes the DSL's type test), then runs every uvu test file and prints one closing line.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { nativeTsc } from "./native-tsc.js";

function onPath(bin) {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/local/sbin", "/sbin"];
  return dirs.some((d) => d && existsSync(join(d, bin)));
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: "inherit", ...opts });
  return r.status ?? 1;
}

// nginx's TCP listeners load the stream module from this path (targets/nginx/view/stream.ts); the
// request model (identity, header rules, refusals) loads njs for http and stream (targets/nginx/view/njs.ts).
const NGINX_MODULES = [
  ["/usr/lib/nginx/modules/ngx_stream_module.so", "libnginx-mod-stream"],
  ["/usr/lib/nginx/modules/ngx_http_js_module.so", "libnginx-mod-http-js"],
  ["/usr/lib/nginx/modules/ngx_stream_js_module.so", "libnginx-mod-stream-js"],
];
const missing = [
  // iptables and iproute2 (ip, ss): the traffic-capture test runs the generated rules in network namespaces.
  ...new Set([["nginx", "nginx-light"], ["haproxy", "haproxy"], ["iptables", "iptables"], ["ip", "iproute2"], ["ss", "iproute2"]].filter(([bin]) => !onPath(bin)).map(([, pkg]) => pkg)),
  // `certs issue` asks git what it would commit; its tests run a real repository.
  ...(onPath("git") ? [] : ["git"]),
  ...NGINX_MODULES.filter(([file]) => !existsSync(file)).map(([, pkg]) => pkg),
];
if (missing.length > 0) {
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot || !onPath("apt-get")) {
    console.error(`meshc tests need ${missing.join(" and ")} (Debian packages). Install them, e.g.:\n  sudo apt-get update && sudo apt-get install -y ${missing.join(" ")}`);
    process.exit(1);
  }
  console.log(`installing ${missing.join(", ")} from Debian's packages ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  if (run("apt-get", ["update", "-qq"], { env }) !== 0 || run("apt-get", ["install", "-y", "-qq", ...missing], { env }) !== 0) {
    console.error("could not install the packages with apt-get");
    process.exit(1);
  }
}

console.log("type-checking (tsc -p .) ...");
if (run(nativeTsc(), ["-p", "."]) !== 0) {
  console.error("type-check failed");
  process.exit(1);
}

// Debian installs nginx and haproxy under /usr/sbin, which a non-root or minimal PATH may lack.
process.env.PATH = [process.env.PATH ?? "", "/usr/local/sbin", "/usr/sbin", "/sbin"].filter(Boolean).join(delimiter);

const pattern = process.argv[2] ?? "\\.test\\.ts$";
const r = spawnSync(process.execPath, ["--import", "tsx", "node_modules/uvu/bin.js", "test", pattern], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 28 });
process.stdout.write(r.stdout ?? "");
const plain = (r.stdout ?? "").replace(/\x1b\[[0-9;]*m/g, "");
const total = Number(/Total:\s+(\d+)/.exec(plain)?.[1] ?? 0);
const passed = Number(/Passed:\s+(\d+)/.exec(plain)?.[1] ?? 0);
console.log(`${passed} passed, ${total - passed} failed`);
process.exit(r.status === 0 && total > 0 ? 0 : 1);
