// The nginx and HAProxy render step alone, in process, from the compiled package (dist/):
// every proxy's view is built once, then rendered by handlebars itself (the reference) and by
// the compiled template functions (compiler/template-compiler.ts), rounds alternating; prints
// the first round's CPU time (a compile renders each proxy once: JIT compilation included) and
// the least over the rounds of each, and fails if any text differs. RENDERER=handlebars or
// compiled runs one of them only (a cold first round of its own, no comparison).
// Usage: node bench/render.js <IR: the YAML `meshc compile --emit ir` prints, or it as .json> [rounds]
import { readFileSync } from "node:fs";
import { parse } from "yaml";

const [{ referenceTemplates, loadTemplates }, nginxRender, haproxyRender, { buildProxyView }, { buildConfigView }, { createBuildContext }] = await Promise.all([
  import("../dist/compiler/handlebars-templates.js"), import("../dist/targets/nginx/render.js"), import("../dist/targets/haproxy/render.js"),
  import("../dist/targets/nginx/view.js"), import("../dist/targets/haproxy/build-proxy.js"), import("../dist/targets/haproxy/context.js"),
]);
const text = readFileSync(process.argv[2], "utf8");
const ir = process.argv[2].endsWith(".json") ? JSON.parse(text) : parse(text, { maxAliasCount: -1 });
const rounds = Number(process.argv[3] ?? 5);
const nginxViews = ir.proxies.map((p) => buildProxyView(ir, p, `nginx/${p.name}.conf`).view);
const verdicts = new Map();
const haproxyViews = ir.proxies.map((p) => buildConfigView(createBuildContext(`haproxy/${p.name}.cfg`, verdicts), p));

const renderers = {
  handlebars: [referenceTemplates(nginxRender.nginxTemplates, nginxRender.nginxHelpers)["nginx.conf"], referenceTemplates(haproxyRender.haproxyTemplates, haproxyRender.haproxyHelpers).config],
  compiled: [loadTemplates(nginxRender.nginxTemplates, nginxRender.nginxHelpers)["nginx.conf"], loadTemplates(haproxyRender.haproxyTemplates, haproxyRender.haproxyHelpers).config],
};
const least = { handlebars: Infinity, compiled: Infinity };
const first = {};
const names = process.env.RENDERER ? [process.env.RENDERER] : ["handlebars", "compiled"];
for (let round = 0; round < rounds; round++) {
  for (const name of names) {
    const [nginx, haproxy] = renderers[name];
    const before = process.cpuUsage();
    // Each text flattened (as writing the file does, so a rope's deferred cost counts) and dropped.
    for (const view of nginxViews) { const t = nginx(view); t.charCodeAt(t.length >> 1); }
    for (const view of haproxyViews) { const t = haproxy(view); t.charCodeAt(t.length >> 1); }
    const used = process.cpuUsage(before);
    least[name] = Math.min(least[name], (used.user + used.system) / 1000);
    first[name] ??= (used.user + used.system) / 1000;
  }
}
if (process.env.RENDERER) {
  console.log(JSON.stringify({ proxies: ir.proxies.length, rounds, firstCpuMs: first, leastCpuMs: least }));
  process.exit(0);
}
const differing = [[nginxViews, 0], [haproxyViews, 1]].reduce((n, [views, i]) => n + views.filter((v) => renderers.handlebars[i](v) !== renderers.compiled[i](v)).length, 0);
console.log(JSON.stringify({ proxies: ir.proxies.length, rounds, firstCpuMs: first, leastCpuMs: least, ratio: +(least.handlebars / least.compiled).toFixed(2), differing }));
if (differing > 0) process.exit(1);
