// Traffic through a running nginx built from the generated web.conf: first-match routing
// (a header canary ahead of a split), the split's statistics, retries counted at the
// upstream, idempotency, the route timeout, regex rewrite, direct response.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { send, sendMany } from "../support/client.ts";
import { startE2e, type E2eEnv } from "./setup.ts";

const test = suite<{ env: E2eEnv | null }>("nginx e2e routing", { env: null });
test.before(async (ctx) => { ctx.env = await startE2e("nginx-routing"); });
test.after(async (ctx) => { await ctx.env?.stop(); });
test.before.each((ctx) => { for (const u of Object.values(ctx.env!.upstreams)) u.reset(); });

const url = (env: E2eEnv, path: string) => `http://127.0.0.1:${env.ports.webOutbound}${path}`;

test("a header canary listed before the split wins; without the header the split applies", async ({ env }) => {
  for (let i = 0; i < 20; i++) {
    const res = await send({ url: url(env!, "/api/x"), headers: { "x-canary": "1" } });
    assert.is(res.body, "v2");
  }
  assert.is(env!.upstreams.v2.hits(), 20);
  const other = await send({ url: url(env!, "/api/x"), headers: { "x-canary": "2" } });
  assert.ok(["v1", "v2"].includes(other.body));
  assert.is(env!.upstreams.v1.requests.at(-1)?.headers["x-route"] ?? env!.upstreams.v2.requests.at(-1)?.headers["x-route"], "split");
});

test("the 90/10 split stays within statistical bounds over 1,000 requests", async ({ env }) => {
  const answers = await sendMany(1000, () => ({ url: url(env!, "/api/list") }), 16);
  const v1 = answers.filter((a) => a.body === "v1").length;
  const v2 = answers.filter((a) => a.body === "v2").length;
  assert.is(v1 + v2, 1000);
  // Binomial(1000, 0.1): sd = 9.5; +-4.5 sd is 57..143 (a false failure ~ 1 in 150,000).
  assert.ok(v2 >= 57 && v2 <= 143, `v2 got ${v2}`);
  if (process.env.MESHC_SHOW_MEASUREMENTS) console.log(`split: v1=${v1} v2=${v2}`);
  assert.is(env!.upstreams.v1.hits() + env!.upstreams.v2.hits(), 1000);
});

test("unmatched paths get 404 from nginx and reach no upstream", async ({ env }) => {
  const res = await send({ url: url(env!, "/nothing") });
  assert.is(res.status, 404);
  assert.is(Object.values(env!.upstreams).reduce((n, u) => n + u.hits(), 0), 0);
});

test("a retry turns an upstream 503 into a 200 (two attempts at the upstream)", async ({ env }) => {
  env!.upstreams.flaky.failNext(1);
  const res = await send({ url: url(env!, "/flaky/get") });
  assert.is(res.status, 200);
  assert.is(env!.upstreams.flaky.hits(), 2);
});

test("retries stop after retries + 1 attempts", async ({ env }) => {
  env!.upstreams.flaky.failNext(5);
  const res = await send({ url: url(env!, "/flaky/get") });
  assert.is(res.status, 503);
  assert.is(env!.upstreams.flaky.hits(), 3);
});

test("POST is retried when idempotentOnly is false, and not when it is true", async ({ env }) => {
  env!.upstreams.flaky.failNext(1);
  const retried = await send({ url: url(env!, "/flaky/post-any"), method: "POST", body: "charge" });
  assert.is(retried.status, 200);
  assert.is(env!.upstreams.flaky.hits(), 2);
  assert.equal(env!.upstreams.flaky.requests.map((r) => r.body), ["charge", "charge"]);
  env!.upstreams.flaky.reset();
  env!.upstreams.flaky.failNext(1);
  const notRetried = await send({ url: url(env!, "/flaky/post-idem"), method: "POST", body: "charge" });
  assert.is(notRetried.status, 503);
  assert.is(env!.upstreams.flaky.hits(), 1);
});

test("the route timeout answers 504 after about a second", async ({ env }) => {
  env!.upstreams.slow.delayNext(3000, 1);
  const res = await send({ url: url(env!, "/slow") });
  assert.is(res.status, 504);
  assert.ok(res.elapsedMs >= 950 && res.elapsedMs < 2000, `took ${res.elapsedMs} ms`);
  assert.is(env!.upstreams.slow.hits(), 1);
});

test("regex path match is anchored and the regex rewrite reaches the upstream", async ({ env }) => {
  const res = await send({ url: url(env!, "/items/42?x=1") });
  assert.is(res.body, "v1");
  assert.is(env!.upstreams.v1.requests[0].url, "/catalog/item/42?x=1");
  assert.is((await send({ url: url(env!, "/items/42/more") })).status, 404);
  assert.is((await send({ url: url(env!, "/x/items/42") })).status, 404);
});

test("direct response and request id", async ({ env }) => {
  const res = await send({ url: url(env!, "/gone") });
  assert.is(res.status, 410);
  assert.is(res.body, "gone for good");
  await send({ url: url(env!, "/api/a"), headers: { "x-request-id": "abc-123" } });
  const seen = [...env!.upstreams.v1.requests, ...env!.upstreams.v2.requests][0];
  assert.is(seen.headers["x-request-id"], "abc-123");
});

test("mirror sends a copy to the mirror cluster; prefix rewrite applies to the main request", async ({ env }) => {
  const res = await send({ url: url(env!, "/mirror/a?k=v") });
  assert.is(res.body, "v1");
  assert.is(env!.upstreams.v1.requests[0].url, "/copied/a?k=v");
  for (let i = 0; i < 40 && env!.upstreams.v2.hits() === 0; i++) await new Promise((r) => setTimeout(r, 25));
  assert.is(env!.upstreams.v2.hits(), 1);
  assert.is(env!.upstreams.v2.requests[0].url, "/mirror/a?k=v");
  // Both copies carry the normalized path the route was chosen on (issue 9), not the raw request line.
  assert.is((await send({ url: url(env!, "/mirror//b%7E?k=%2F") })).body, "v1");
  assert.is(env!.upstreams.v1.requests[1].url, "/copied/b~?k=%2F");
  for (let i = 0; i < 40 && env!.upstreams.v2.hits() === 1; i++) await new Promise((r) => setTimeout(r, 25));
  assert.is(env!.upstreams.v2.requests[1]?.url, "/mirror/b~?k=%2F");
});

test("fault abort answers for about its percent; response headers are set, added and removed", async ({ env }) => {
  const answers = await sendMany(200, () => ({ url: url(env!, "/abort") }), 8);
  const aborted = answers.filter((a) => a.status === 503).length;
  // Binomial(200, 0.5): sd = 7.1; +-4.5 sd.
  assert.ok(aborted >= 68 && aborted <= 132, `aborted ${aborted}`);
  assert.is(env!.upstreams.v1.hits(), 200 - aborted);
  const ok = answers.find((a) => a.status === 200)!;
  assert.is(ok.headers["x-served-by"], 'meshc "quoted" ; {braces}');
  assert.is(ok.headers["x-extra"], "1");
  assert.is(ok.headers["x-upstream"], undefined);
});

test("upstream mTLS: web's nginx reaches payments' strict listener with its mesh identity and is authorized", async ({ env }) => {
  const res = await send({ url: url(env!, "/pay/42") });
  assert.is(res.status, 200);
  assert.is(res.body, "local");
  assert.is(env!.upstreams.local.requests[0].url, "/pay/42");
});

test.run();
