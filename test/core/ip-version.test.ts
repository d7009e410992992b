// normalize/values.ts's ipVersion stands for node's net.isIP (it skips the IPv6 pattern for a
// host without a colon, which no IPv6 address lacks): it must answer exactly as net.isIP
// does, for addresses of every form and for random strings of their characters.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { isIP } from "node:net";
import { ipVersion } from "../../compiler/normalize/values.ts";

const FORMS = [
  "", "1", "10.0.0.1", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5", "::", "::1", "fd00::1", "FD00::1",
  "2001:db8::8a2e:370:7334", "2001:0db8:0000:0000:0000:ff00:0042:8329", "::ffff:10.0.0.1", "::ffff:1.2.3.256", "fe80::1%eth0",
  "fe80::1%", "1::2::3", ":::", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "[::1]", "db.example.com", "localhost", "a:b", "1.2.3.4:80",
];

test("ipVersion answers as net.isIP for every form", () => {
  for (const s of FORMS) assert.is(ipVersion(s), isIP(s), JSON.stringify(s));
});

test("ipVersion answers as net.isIP for random strings of address characters", () => {
  const alphabet = "0123456789abcdefABCDEF:.%x[]";
  // A fixed linear congruential sequence: the same strings every run.
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
  let ips = 0;
  for (let n = 0; n < 20_000; n++) {
    let s = "";
    const len = next() % 24;
    for (let i = 0; i < len; i++) s += alphabet[next() % alphabet.length];
    // Half of them built from address pieces, so that some are addresses.
    if (n % 2 === 0) s = Array.from({ length: 1 + (next() % 8) }, () => (next() % 65536).toString(16)).join(next() % 3 === 0 ? "." : ":").replace(/^:?/, next() % 4 === 0 ? "::" : "");
    const expected = isIP(s);
    if (expected !== 0) ips++;
    assert.is(ipVersion(s), expected, JSON.stringify(s));
  }
  assert.ok(ips > 1000, `addresses among them: ${ips}`);
});

test.run();
