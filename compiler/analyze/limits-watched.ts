// Watch mode's limits walk of only what a save changed (raw-diff.ts). The limits are per
// value (string and key length, depth, elements of one list or object) plus one total: when
// the last save's config passed them, the new one passes exactly when every changed part does,
// its lists and objects that hold changed parts stay within their size, and the total (the
// last total, less the parts taken out, plus the parts put in) stays within its limit. A
// part past any limit sends the save through the whole walk, which reports the first limit
// passed in its own order: the diagnostic is the whole walk's. What the walk says the
// character and raw-value checks may find (`seen`) is kept from the last save and added to
// from the changed parts; a flag kept that the change made false only costs that check's
// walk, which then finds nothing, as the whole walk's flag would have it skipped.
import { rawChanges, type RawChange } from "../raw-diff.ts";
import { mayHaveBadCharacters } from "./characters.ts";
import type { Report } from "./context.ts";
import { LIMITS, walkLimits, type RawScan } from "./limits.ts";

/** The last config that passed the walk: how many values it holds and what the walk saw (kept in the emit memo). */
export interface LimitsMemo { last: { readonly raw: unknown; readonly total: number; readonly seen: Readonly<RawScan> } | null }

export const createLimitsMemo = (): LimitsMemo => ({ last: null });

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** The total of `value` from the last save's, walking only `changes`; -1 when a part needs the whole walk. Adds to `seen`. */
function totalOfChanges(value: Record<string, unknown>, changes: readonly RawChange[], lastTotal: number, seen: RawScan): number {
  let total = lastTotal;
  const quiet: RawScan = { characters: true, rawValues: true }; // the old parts' flags are not wanted
  for (const c of changes) {
    const depth = c.within === null ? 1 : 2;
    if (!c.added) total -= walkLimits(c.before, null, quiet, depth);
    if (c.removed) continue;
    const n = walkLimits(c.now, null, seen, depth);
    if (n < 0) return -1;
    total += n;
    // A string or list part's raw values depend on the key above it, which this walk does not see.
    if (!isRecord(c.now)) seen.rawValues = true;
    if (c.added && typeof c.key === "string") {
      if (c.key.length > LIMITS.stringLength) return -1;
      if (mayHaveBadCharacters(c.key)) seen.characters = true;
    }
  }
  const sizes = [Object.keys(value).length];
  for (const k of ["routes", "authorization"]) if (Array.isArray(value[k])) sizes.push((value[k] as unknown[]).length);
  if (isRecord(value.services)) sizes.push(Object.keys(value.services).length);
  if (sizes.some((n) => n > LIMITS.collectionSize)) return -1;
  return total > LIMITS.totalElements ? -1 : total;
}

/** checkLimits through the memo: after a config within the limits, only the parts a save changed are walked. */
export function checkLimitsWatched(value: unknown, report: Report, seen: RawScan, memo: LimitsMemo): boolean {
  const last = memo.last;
  const changes = last ? rawChanges(value, last.raw) : null;
  let total = -1;
  if (last && changes && isRecord(value)) {
    seen.characters = last.seen.characters;
    seen.rawValues = last.seen.rawValues;
    total = totalOfChanges(value, changes, last.total, seen);
    if (total >= 0 && process.env.MESHC_CHECK_INCREMENTAL_IR === "1") {
      const whole: RawScan = { characters: false, rawValues: false };
      const n = walkLimits(value, null, whole);
      if (n !== total || (whole.characters && !seen.characters) || (whole.rawValues && !seen.rawValues)) {
        throw new Error(`the limits walk of the changed parts differs from the whole walk (${total} against ${n} values)`);
      }
    }
  }
  if (total < 0) {
    seen.characters = false;
    seen.rawValues = false;
    total = walkLimits(value, report, seen);
  }
  memo.last = total >= 0 ? { raw: value, total, seen: { ...seen } } : null;
  return total >= 0;
}
