// certs/manifest.toml's own writer (targets/certs/toml-writer.ts) against @iarna/toml, the
// library it stands in for: every example's manifest, and random values of every shape
// TOML can hold; the writer must give the library's exact text or decline (null), and
// must not decline the plain values manifests are made of.
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import TOML from "@iarna/toml";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { compileFile } from "../../compiler/compile.ts";
import { CONFIG_NAMES } from "../../compiler/load/index.ts";
import { existsSync, readdirSync } from "node:fs";
import { buildCertManifest } from "../../targets/certs/build-manifest.ts";
import { writePlainToml } from "../../targets/certs/toml-writer.ts";
import { emitManifestToml, MANIFEST_FILE } from "../../targets/certs/manifest-toml.ts";
import { KEY_ALGORITHMS } from "../../targets/certs/manifest.ts";
import type { IdentityIR, MeshIR } from "../../compiler/ir/types.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
type Table = Record<string, unknown>;
const library = (v: Table) => TOML.stringify(JSON.parse(JSON.stringify(v)) as TOML.JsonMap);

test("every example's manifest: the writer's text is the library's", async () => {
  let seen = 0;
  for (const name of readdirSync(join(ROOT, "examples")).sort()) {
    const config = CONFIG_NAMES.map((c) => join(ROOT, "examples", name, c)).find(existsSync);
    if (!config) continue;
    const r = await compileFile(config, { cwd: ROOT, verify: "none", typecheck: false, targets: ["certs"] });
    const file = r.files.find((f) => f.path === MANIFEST_FILE);
    if (!file) continue;
    // The manifest object as the target builds it (not read back): it must take the writer's path.
    const manifest = buildCertManifest(r.ir!, () => {}) as unknown as Table;
    const written = writePlainToml(manifest);
    assert.ok(written !== null, `${name}: a manifest is plain values`);
    assert.is(written, library(manifest), name);
    assert.ok(file.content.endsWith(written!), `${name}: the bundle's manifest is the writer's text`);
    seen++;
  }
  assert.ok(seen >= 5, `examples with a manifest: ${seen}`);
});

const bareKey = fc.stringMatching(/^[-A-Za-z0-9_]{1,8}$/);
const plainString = fc.stringMatching(/^[a-z0-9 ./:@'_-]{0,30}$/);
const anyString = fc.oneof(plainString, fc.string({ unit: "binary", maxLength: 12 }), fc.constantFrom("a\"b", "a\\b", "a\nb", "tab\there", "\u0001\u0002", "it's", "\u007f", "é✓"));
const integer = fc.oneof(fc.integer({ min: 0, max: 999 }), fc.integer({ min: -5_000_000, max: 5_000_000 }), fc.constant(-0));

const values = (leaf: fc.Arbitrary<unknown>, tables: boolean) => fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true },
    leaf, leaf,
    fc.array(leaf, { maxLength: 12 }),
    ...(tables ? [tie("table"), fc.array(tie("table"), { minLength: 1, maxLength: 3 })] : [])),
  table: fc.dictionary(bareKey, tie("value"), { minKeys: tables ? 1 : 0, maxKeys: 5, noNullPrototype: true }),
}));

test("random plain values: never declined, always the library's text", () => {
  const plain = values(fc.oneof(plainString, fc.integer({ min: 0, max: 10_000_000 })), true);
  fc.assert(fc.property(plain.table, (table) => {
    const written = writePlainToml(table as Table);
    return written !== null && written === library(table as Table);
  }), { numRuns: 2000 });
});

test("random values of any kind: the library's text, or declined", () => {
  const any = values(fc.oneof(anyString, integer, fc.double(), fc.constant(null), fc.boolean(), fc.constant(undefined)), true);
  let written = 0;
  fc.assert(fc.property(fc.dictionary(bareKey.filter((k) => k !== "__proto__"), any.value, { maxKeys: 6, noNullPrototype: true }), (table) => {
    let expected: string;
    try { expected = library(table as Table); } catch { return writePlainToml(table as Table) === null; }
    const out = writePlainToml(table as Table);
    if (out !== null) written++;
    return out === null || out === expected;
  }), { numRuns: 3000 });
  assert.ok(written > 300, `values the writer wrote itself: ${written}`);
});

// The manifest's text as emitted (an identity's table from its template: manifest-toml.ts) is
// the library's, for identities of any strings: plain ones take the template, others the walk.
test("random identities: the emitted manifest is the library's text", () => {
  const text = fc.oneof(plainString, plainString, plainString, anyString);
  const identity = fc.record({
    name: text, kind: fc.constantFrom("service" as const, "gateway" as const), namespace: text, serviceAccount: text, spiffeId: text,
    dnsNames: fc.array(text, { maxLength: 5 }), subject: fc.record({ commonName: text, organizationalUnit: text, organization: text }),
    keyAlgorithm: fc.constantFrom(...KEY_ALGORITHMS), lifetimeMs: fc.integer({ min: 1000, max: 1e10 }), renewBeforeMs: fc.integer({ min: 1000, max: 1e9 }),
    secretName: text, certFile: text, keyFile: text, caFile: text,
  });
  let templated = 0;
  fc.assert(fc.property(fc.array(identity, { maxLength: 4 }), (identities: IdentityIR[]) => {
    const ir = {
      mesh: { name: "m", trustDomain: "t.example", namespace: "ns", caName: "m-ca" }, runtime: { certDir: "/c", runDir: "/r", logDir: "/l" }, proxies: [],
      infra: { ca: { name: "m-ca", commonName: "m CA", lifetimeMs: 3_600_000, keyAlgorithm: "ecdsa-p256", caFile: "/c/ca.pem" }, identities },
    } as unknown as MeshIR;
    const manifest = buildCertManifest(ir, () => {});
    let expected: string;
    try { expected = library(manifest as unknown as Table); } catch { return true; }
    const emitted = emitManifestToml(manifest);
    if (identities.length > 0 && writePlainToml(manifest as unknown as Table) !== null) templated++;
    return emitted.endsWith(expected) && emitted.length > expected.length && emitted.slice(0, -expected.length).startsWith("#");
  }), { numRuns: 1500 });
  assert.ok(templated > 100, `manifests with plain identities: ${templated}`);
});

test.run();
