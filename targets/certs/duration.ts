// Go's time.Duration text ("2160h0m0s"): what cert-manager reads for duration and
// renewBefore, and what the certificate manifest uses so both say the same thing.

const UNIT_MS: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, "µs": 0.001, ns: 0.000001 };
const GO_DURATION = /^(?:[0-9]+(?:\.[0-9]+)?(?:h|m|s|ms|us|µs|ns))+$/;
const GO_DURATION_PART = /([0-9]+(?:\.[0-9]+)?)(h|ms|m|s|us|µs|ns)/g;

/** Formats whole milliseconds the way Go's Duration.String() does: "2160h0m0s", "1m30s", "1.5s". */
export function formatGoDuration(ms: number): string {
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const restMs = ms % 60_000;
  const seconds = restMs % 1000 === 0 ? String(restMs / 1000) : (restMs / 1000).toFixed(3).replace(/0+$/, "");
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  if (ms > 0 && ms < 1000) return `${ms}ms`;
  return `${seconds}s`;
}

export function isGoDuration(text: string): boolean {
  return GO_DURATION.test(text);
}

/** Milliseconds of a Go duration, or null when the text is not one. */
export function parseGoDuration(text: string): number | null {
  if (!isGoDuration(text)) return null;
  let total = 0;
  for (const [, value, unit] of text.matchAll(GO_DURATION_PART)) total += Number(value) * UNIT_MS[unit];
  return Math.round(total);
}
