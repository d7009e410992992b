// Small parsers shared by normalization and checks: durations, endpoints, names.
import { isIPv4, isIPv6 } from "node:net";

/**
 * Milliseconds, or null when the text is not a duration (`5 s`, `-1s`, `10d`, `1e3s`): one to
 * four groups of 1-5 digits and a unit (h, ms, m, s), the form `^(?:[0-9]{1,5}(?:h|ms|m|s)){1,4}$`.
 * Scanned by hand: every duration of a large mesh is parsed several times (raw-value check,
 * normalize), and two regexes and a match list per call showed in its profile.
 */
export function parseDuration(text: unknown): number | null {
  if (typeof text !== "string" || text.length === 0) return null;
  let total = 0;
  let groups = 0;
  let i = 0;
  while (i < text.length) {
    const start = i;
    let n = 0;
    for (let c = text.charCodeAt(i); c >= 48 && c <= 57; c = text.charCodeAt(++i)) n = n * 10 + (c - 48);
    if (i === start || i - start > 5 || ++groups > 4) return null;
    const unit = text.charCodeAt(i);
    if (unit === 104) { total += n * 3_600_000; i++; } // h
    else if (unit === 109 && text.charCodeAt(i + 1) === 115) { total += n; i += 2; } // ms
    else if (unit === 109) { total += n * 60_000; i++; } // m
    else if (unit === 115) { total += n * 1000; i++; } // s
    else return null;
  }
  return total;
}

/**
 * `net.isIP`: 4, 6 or 0. Node's IPv6 pattern is one large regular expression, compiled at its
 * first use (~8 ms of a cold compile); every IPv6 address has a colon, so a host without one
 * is only ever tested as IPv4.
 */
export function ipVersion(host: string): 0 | 4 | 6 {
  if (!host.includes(":")) return isIPv4(host) ? 4 : 0;
  return isIPv6(host) ? 6 : 0;
}

export interface ParsedEndpoint { readonly address: string; readonly port: number | null; readonly kind: "ip" | "dns" }

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

/**
 * parseEndpointText's answers by text (frozen objects): the limits walk asks
 * about every endpoint of the raw config (raw-values.ts mayBeBadRawValue) and the
 * normalization parses each again, two regular expressions and an address check each time.
 * Bounded: emptied when full, so a long watch session keeps no more than this many.
 */
const parsedEndpoints = new Map<string, ParsedEndpoint | null>();
const PARSED_ENDPOINTS_KEPT = 100_000;

/** `10.0.0.1`, `10.0.0.1:8080`, `[fd00::1]:8080`, `db.example.com:5432`; null when malformed. */
export function parseEndpoint(text: string): ParsedEndpoint | null {
  let parsed = parsedEndpoints.get(text);
  if (parsed === undefined) {
    if (parsedEndpoints.size >= PARSED_ENDPOINTS_KEPT) parsedEndpoints.clear();
    // Frozen: one object serves every equal text, so a caller that changed one would change them all (it throws instead).
    parsed = parseEndpointText(text);
    parsedEndpoints.set(text, parsed === null ? null : (parsed = Object.freeze(parsed)));
  }
  return parsed;
}

/** parseEndpoint without its memo. */
export function parseEndpointText(text: string): ParsedEndpoint | null {
  let host = text;
  let port: number | null = null;
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1]!;
    port = bracketed[2] ? Number(bracketed[2]) : null;
    if (ipVersion(host) !== 6) return null;
  } else {
    const m = /^([^:]+):(\d{1,5})$/.exec(text);
    if (m) { host = m[1]!; port = Number(m[2]); }
  }
  if (port !== null && (port < 1 || port > 65535)) return null;
  if (ipVersion(host) !== 0) return { address: host, port, kind: "ip" };
  return DNS_NAME.test(host) ? { address: host, port, kind: "dns" } : null;
}

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export function isDnsLabel(name: string): boolean {
  return name.length <= 63 && DNS_LABEL.test(name);
}
export function isDnsName(name: string): boolean {
  return DNS_NAME.test(name);
}

/** Mozilla "intermediate" TLS 1.2 ciphers (TLS 1.3 suites are fixed by OpenSSL). */
export const MOZILLA_INTERMEDIATE_CIPHERS = [
  "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
  "DHE-RSA-AES128-GCM-SHA256", "DHE-RSA-AES256-GCM-SHA384", "DHE-RSA-CHACHA20-POLY1305",
] as const;
