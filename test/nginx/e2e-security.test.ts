// Inbound policy through a running nginx built from the generated payments.conf: strict
// mTLS (400 without a mesh certificate), authorization on the exact certificate subject,
// method and path (403), deny before allow, and the listener's rate limit (429).
import { readFileSync } from "node:fs";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { send, sendMany, type ClientRequest } from "../support/client.ts";
import { startE2e, type E2eEnv } from "./setup.ts";

const test = suite<{ env: E2eEnv | null }>("nginx e2e security", { env: null });
test.before(async (ctx) => { ctx.env = await startE2e("nginx-security"); });
test.after(async (ctx) => { await ctx.env?.stop(); });
test.before.each((ctx) => { for (const u of Object.values(ctx.env!.upstreams)) u.reset(); });

function as(env: E2eEnv, identity: string | null, foreign = false): Pick<ClientRequest, "cert" | "key" | "ca" | "servername"> {
  const base = { ca: env.pki.ca.certPem, servername: "payments" };
  if (identity === null) return base;
  const leaf = (foreign ? env.pki.foreign.leaves : env.pki.leaves).get(identity)!;
  return { ...base, cert: readFileSync(leaf.certFile, "utf8"), key: readFileSync(leaf.keyFile, "utf8") };
}
const strict = (env: E2eEnv, path: string) => `https://127.0.0.1:${env.ports.paymentsStrict}${path}`;

test("strict mTLS: a mesh certificate passes", async ({ env }) => {
  const res = await send({ url: strict(env!, "/pay/1"), ...as(env!, "web") });
  assert.is(res.status, 200);
  assert.is(res.body, "local");
});

test("strict mTLS: no certificate, or the same subject from a foreign CA, gets 400 and reaches nothing", async ({ env }) => {
  assert.is((await send({ url: strict(env!, "/pay/1"), ...as(env!, null) })).status, 400);
  assert.is((await send({ url: strict(env!, "/pay/1"), ...as(env!, "web", true) })).status, 400);
  assert.is(env!.upstreams.local.hits(), 0);
});

test("authorization: the wrong identity gets 403, the right one 200", async ({ env }) => {
  assert.is((await send({ url: strict(env!, "/pay/1"), ...as(env!, "catalog") })).status, 403);
  assert.is((await send({ url: strict(env!, "/pay/1"), ...as(env!, "payments") })).status, 403);
  assert.is(env!.upstreams.local.hits(), 0);
  assert.is((await send({ url: strict(env!, "/pay/1"), method: "POST", body: "x", ...as(env!, "web") })).status, 200);
  assert.is(env!.upstreams.local.hits(), 1);
});

test("authorization: wrong path or method gets 403; deny wins over a matching allow", async ({ env }) => {
  assert.is((await send({ url: strict(env!, "/other"), ...as(env!, "web") })).status, 403);
  assert.is((await send({ url: strict(env!, "/pay/1"), method: "DELETE", ...as(env!, "web") })).status, 403);
  // web is allowed on /admin by rule 2, but rule 1 denies /admin for everyone.
  assert.is((await send({ url: strict(env!, "/admin/x"), ...as(env!, "web") })).status, 403);
  // nginx normalizes before matching, so an encoded or dotted path cannot dodge the deny.
  assert.is((await send({ url: strict(env!, "/pay/../admin/x"), ...as(env!, "web") })).status, 403);
  assert.is((await send({ url: strict(env!, "/%61dmin/x"), ...as(env!, "web") })).status, 403);
  assert.is(env!.upstreams.local.hits(), 0);
});

test("rate limit: 5 per second with no burst lets 5 through, then 429", async ({ env }) => {
  const url = `https://127.0.0.1:${env!.ports.paymentsLimited}/`;
  const answers = await sendMany(12, () => ({ url, ...as(env!, "web") }), 1);
  const statuses = answers.map((a) => a.status);
  assert.equal(statuses.slice(0, 5), [200, 200, 200, 200, 200], statuses.join(","));
  assert.ok(statuses.slice(5).filter((s) => s === 429).length >= 6, statuses.join(","));
  assert.is(env!.upstreams.local.hits(), statuses.filter((s) => s === 200).length);
});

test("permissive mTLS: plain text and TLS without a certificate are served, a foreign certificate is refused", async ({ env }) => {
  await new Promise((r) => setTimeout(r, 1100)); // let the rate limit bucket drain
  const url = `https://127.0.0.1:${env!.ports.paymentsLimited}/`;
  assert.is((await send({ url, ...as(env!, null) })).status, 200);
  await new Promise((r) => setTimeout(r, 250));
  const plain = await send({ url: `http://127.0.0.1:${env!.ports.paymentsLimited}/plain`, method: "POST", body: "hello" });
  assert.is(plain.status, 200);
  assert.is(env!.upstreams.local.requests.at(-1)?.body, "hello");
  await new Promise((r) => setTimeout(r, 250));
  assert.is((await send({ url, ...as(env!, "web", true) })).status, 400);
});

test("strict mTLS: plain text on the TLS port gets 400", async ({ env }) => {
  assert.is((await send({ url: `http://127.0.0.1:${env!.ports.paymentsStrict}/pay/1` })).status, 400);
  assert.is(env!.upstreams.local.hits(), 0);
});

test.run();
