// The Change record and the generic pieces every part of the semantic diff shares:
// comparing two plain values leaf by leaf, and saying a value in words.

export type ChangeKind =
  | "service-added" | "service-removed" | "gateway-added" | "gateway-removed" | "egress-added" | "egress-removed"
  | "subset-added" | "subset-removed" | "gateway-changed" | "mesh-changed"
  | "route-added" | "route-removed" | "route-changed" | "route-order"
  | "authz-enabled" | "authz-disabled" | "authz-default" | "authz-rule-added" | "authz-rule-removed" | "authz-rule-changed"
  | "mtls" | "tls" | "rate-limit" | "jwt" | "listener-added" | "listener-removed"
  | "traffic-policy" | "upstream-tls" | "endpoint-added" | "endpoint-removed";

export interface Change {
  readonly kind: ChangeKind;
  /** The service (or `gateway-<name>` proxy, or egress name) the change is about; "mesh" for mesh-wide ones. */
  readonly subject: string;
  /** The route's name, for route changes. */
  readonly route?: string;
  /** The authorization rule's name, for rule changes. */
  readonly rule?: string;
  /** The subset, for a traffic-policy change on one subset only. */
  readonly subset?: string;
  /** Dotted path of what changed ("retries.retries", "split.v1", "mode"). */
  readonly field: string;
  /** Plain JSON values; null = absent. */
  readonly before: unknown;
  readonly after: unknown;
  readonly text: string;
}

type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * Calls `emit` once per differing leaf. Objects present on both sides are descended into;
 * arrays, and an object on one side only, are compared whole (one change, not one per member).
 */
export function compareValues(field: string, before: unknown, after: unknown, emit: (field: string, before: Json, after: Json) => void): void {
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const key of keys) compareValues(field === "" ? key : `${field}.${key}`, before[key], after[key], emit);
    return;
  }
  if (!sameValue(before, after)) emit(field, (before ?? null) as Json, (after ?? null) as Json);
}

export function formatMs(ms: number): string {
  return ms % 1000 === 0 && ms >= 1000 ? `${ms / 1000}s` : `${ms}ms`;
}

/** A value in words, using the field name to pick units (`...Ms` is a duration). */
export function formatValue(field: string, value: unknown): string {
  if (value === null || value === undefined) return "none";
  if (typeof value === "number" && /Ms$/.test(field)) return formatMs(value);
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.length === 0 ? "none" : value.map((v) => formatValue(field, v)).join(", ");
  if (isRecord(value)) {
    return Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => `${k} ${formatValue(k, v)}`).join(", ");
  }
  return String(value);
}

const LABELS: Readonly<Record<string, string>> = {
  "retries.retries": "retries",
  "retries.perTryTimeoutMs": "per-try timeout",
  "retries.on": "retry on",
  "retries.statusCodes": "retry on status",
  "retries.idempotentOnly": "retry idempotent methods only",
  timeoutMs: "timeout",
  connectTimeoutMs: "connect timeout",
  idleTimeoutMs: "idle timeout",
};

/** "outlierDetection.consecutive5xx" -> "outlier detection consecutive 5xx". */
export function fieldLabel(field: string): string {
  if (LABELS[field] !== undefined) return LABELS[field];
  return field.split(".").map((part) => part.replace(/Ms$/, "").replace(/([a-z])([A-Z0-9])/g, "$1 $2").toLowerCase()).join(" ");
}

export function describeChange(field: string, before: unknown, after: unknown): string {
  return `${fieldLabel(field)} ${formatValue(field, before)} -> ${formatValue(field, after)}`;
}

/** Identical changes (seen in several proxies or listeners) reported once, in a stable order. */
export function dedupeAndSort(changes: readonly Change[]): Change[] {
  const seen = new Map<string, Change>();
  for (const c of changes) {
    const key = JSON.stringify([c.subject, c.route ?? "", c.rule ?? "", c.subset ?? "", c.kind, c.field, c.before, c.after]);
    if (!seen.has(key)) seen.set(key, c);
  }
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c);
}
