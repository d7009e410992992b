// Watch mode's load of a data-only config (typescript.ts dataOnlyValue) after a save: the new
// JSON text is compared with the last one, and only the smallest value that holds every
// changed character is parsed again; the rest of the value is the last save's objects. A
// save that changed one route's timeout parses one string instead of the whole megabyte,
// and the unchanged parts stay the same objects: nothing new for the garbage collector to
// copy, and the watch checks that compare parts (raw-diff.ts) find them equal by identity.
//
// Sound because JSON.parse is compositional: a value's parse depends only on its own text,
// except that an object keeps the last value of a key given twice. So no object on the path
// to the changed value may name its path key again after it (keyAgainAfter: two native
// searches when the key is not in the rest of the text, else a scan to the object's end).
// A path key token with an escape (two spellings of one key), a text that does not scan, or
// a changed value that does not parse takes the value one level up, or the whole parse,
// which reports the error as before.
// The last value must be what JSON.parse gave for the last text and unmodified since: the
// stages only read the raw value (MESHC_CHECK_INCREMENTAL_IR compares with a whole parse).
// The texts are UTF-8 bytes (a string is encoded first): JSON's structure is ASCII and no byte
// of a multi-byte character is, so the scans are the same on bytes, and a save is compared and
// scanned without decoding the file (a 620 KB string is fresh memory at every save: ~150 page
// faults, ~5-15 ms on this VM); only the parts parsed again and the key tokens are decoded.

const QUOTE = 34, BACKSLASH = 92, COMMA = 44, COLON = 58;
const OPEN_OBJECT = 123, CLOSE_OBJECT = 125, OPEN_ARRAY = 91, CLOSE_ARRAY = 93;

/** One object or array open at the first changed character. */
interface Frame {
  readonly object: boolean;
  /** The current child: its index (arrays) or its key token's span (objects). */
  index: number;
  keyStart: number;
  keyEnd: number;
  /** Where the current child's value starts; -1 before it. */
  valueStart: number;
  /** Objects: after the colon (a value comes next). */
  afterColon: boolean;
}

type Text = Buffer;

/** Where the string token opening at `i` ends (past its closing quote); -1 when it does not close. */
function stringEnd(text: Text, i: number): number {
  for (let j = i + 1; ;) {
    const q = text.indexOf(QUOTE, j);
    if (q < 0) return -1;
    let b = q - 1;
    while (text[b] === BACKSLASH) b--;
    if ((q - 1 - b) % 2 === 0) return q + 1;
    j = q + 1;
  }
}

const isBlank = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;
const isDelimiter = (c: number) => c === COMMA || c === CLOSE_OBJECT || c === CLOSE_ARRAY || isBlank(c) || c === COLON;

/** Where the value starting at `i` ends; -1 when the text does not hold one there. */
function valueEnd(text: Text, i: number): number {
  const c = text[i]!;
  if (c === QUOTE) return stringEnd(text, i);
  if (c !== OPEN_OBJECT && c !== OPEN_ARRAY) {
    let j = i;
    while (j < text.length && !isDelimiter(text[j]!)) j++;
    return j > i ? j : -1;
  }
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const d = text[j]!;
    if (d === QUOTE) {
      const e = stringEnd(text, j);
      if (e < 0) return -1;
      j = e - 1;
    } else if (d === OPEN_OBJECT || d === OPEN_ARRAY) depth++;
    else if (d === CLOSE_OBJECT || d === CLOSE_ARRAY) {
      if (--depth === 0) return j + 1;
    }
  }
  return -1;
}

/** The frames open at `to`, scanning `text` from its start; null when it does not scan as JSON structure. */
function framesAt(text: Text, to: number): Frame[] | null {
  const stack: Frame[] = [];
  for (let i = 0; i < to; i++) {
    const c = text[i]!;
    const top = stack.length > 0 ? stack[stack.length - 1]! : null;
    if (c === QUOTE) {
      const e = stringEnd(text, i);
      if (e < 0) return null;
      if (top?.object && !top.afterColon) {
        top.keyStart = i;
        top.keyEnd = e;
        top.valueStart = -1;
      } else if (top) top.valueStart = i;
      i = e - 1;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (top) top.valueStart = i;
      stack.push({ object: c === OPEN_OBJECT, index: 0, keyStart: -1, keyEnd: -1, valueStart: -1, afterColon: false });
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      if (stack.pop() === undefined) return null;
    } else if (c === COMMA) {
      if (!top) return null;
      top.index++;
      top.valueStart = -1;
      top.afterColon = false;
    } else if (c === COLON) {
      if (!top?.object) return null;
      top.afterColon = true;
    } else if (!isBlank(c) && top && top.valueStart < 0) top.valueStart = i;
  }
  return stack;
}

/**
 * Whether an object on the path holds its path key again after `from` (the end of the changed
 * value): JSON.parse keeps a key's last value, so the changed value counts only when no later
 * token names the same key in the same object (earlier ones it overrides, and a key's place
 * is its first token's, which the copy keeps). A text with no backslash after `from` and no
 * `"key"` there at all needs no scan; else the objects are scanned to their ends (true, to be
 * safe, for a key token with an escape or a text that does not scan).
 */
function keyAgainAfter(text: Text, from: number, path: readonly Frame[], steps: readonly (string | number)[]): boolean {
  const noEscape = text.indexOf(BACKSLASH, from) < 0;
  const need = path.map((f, k) => f.object && !(noEscape && text.indexOf(`"${steps[k] as string}"`, from) < 0));
  const shallowest = need.indexOf(true) + 1; // the depth of the outermost object to scan (the root at 1)
  if (shallowest === 0) return false;
  const levels = path.length;
  // The innermost path container is at depth `levels`; `from` is just past a value of it.
  let depth = levels;
  // The lowest depth so far: the path containers still open are those at depths 1..floor.
  let floor = levels;
  const keyNext: boolean[] = new Array<boolean>(levels + 1).fill(false);
  const isObject: boolean[] = [false, ...path.map((f) => f.object)];
  for (let i = from; i < text.length; i++) {
    const c = text[i]!;
    if (c === QUOTE) {
      const e = stringEnd(text, i);
      if (e < 0) return true;
      if (isObject[depth] && keyNext[depth]) {
        keyNext[depth] = false;
        // A key of a path object (a later sibling at its depth is another object).
        if (depth === floor && need[depth - 1]) {
          const token = text.toString("utf8", i + 1, e - 1);
          if (token.includes("\\") || token === steps[depth - 1]) return true;
        }
      }
      i = e - 1;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      depth++;
      isObject[depth] = c === OPEN_OBJECT;
      keyNext[depth] = c === OPEN_OBJECT;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
      if (depth < floor) floor = depth;
      if (floor < shallowest) return false; // every object to check has closed
    } else if (c === COMMA) {
      if (isObject[depth]) keyNext[depth] = true;
    }
  }
  return true;
}

/** Whether `a[from, to)` and `b[from + shift, to + shift)` hold the same bytes (a native comparison). */
const sameRange = (a: Text, b: Text, from: number, to: number, shift: number) => b.compare(a, from, to, from + shift, to + shift) === 0;

function commonPrefix(a: Text, b: Text): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  for (const block of [16384, 512]) while (i + block <= n && sameRange(a, b, i, i + block, 0)) i += block;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

function commonSuffix(a: Text, b: Text, most: number): number {
  let i = 0;
  const shift = b.length - a.length;
  for (const block of [16384, 512]) while (i + block <= most && sameRange(a, b, a.length - i - block, a.length - i, shift)) i += block;
  while (i < most && a[a.length - 1 - i] === b[b.length - 1 - i]) i++;
  return i;
}

type Json = Record<string, unknown> | unknown[];

/**
 * `JSON.parse(now)`, made from `value` (`JSON.parse(before)`) by parsing again only the
 * smallest value holding every change and sharing the rest; `fix` is applied to the parsed
 * part first (typescript.ts turns -0 into 0). Null when the shortcut does not apply: the
 * caller parses the whole text.
 */
export function reparseChanged(beforeText: string | Buffer, value: unknown, nowText: string | Buffer, fix: (v: unknown) => unknown = (v) => v): { value: unknown } | null {
  if (value === null || typeof value !== "object") return null;
  const before = typeof beforeText === "string" ? Buffer.from(beforeText) : beforeText;
  const now = typeof nowText === "string" ? Buffer.from(nowText) : nowText;
  const p = commonPrefix(before, now);
  if (p === before.length && p === now.length) return { value: Array.isArray(value) ? value.slice() : { ...(value as object) } };
  const s = commonSuffix(before, now, Math.min(before.length, now.length) - p);
  const frames = framesAt(before, p);
  if (!frames || frames.length === 0) return null;
  // The change may begin at a value's first character: in a value's place, a character that is
  // no blank in either text starts it (valueEnd and the parse refuse any other).
  const top = frames[frames.length - 1]!;
  if (top.valueStart < 0 && (!top.object || top.afterColon) && p < before.length && p < now.length && !isBlank(before[p]!) && !isBlank(now[p]!)) top.valueStart = p;
  // The innermost value that started before the change and holds all of it, in both texts.
  for (let d = frames.length - 1; d >= 0; d--) {
    const f = frames[d]!;
    const start = f.valueStart;
    if (start < 0) continue;
    const oldEnd = valueEnd(before, start);
    const newEnd = valueEnd(now, start);
    if (oldEnd < 0 || newEnd < 0 || oldEnd < before.length - s || newEnd < now.length - s || before.length - oldEnd !== now.length - newEnd) continue;
    // A path object that names its key again later: the value one level up is parsed again instead.
    const rebuilt = rebuild(frames.slice(0, d + 1), before, value as Json, now, start, newEnd, fix);
    if (rebuilt) return rebuilt;
  }
  return null;
}

/** The value with the child at the end of `path` replaced by the parse of `now.slice(start, end)`; null when a path object names its key again later. */
function rebuild(path: readonly Frame[], before: Text, value: Json, now: Text, start: number, end: number, fix: (v: unknown) => unknown): { value: unknown } | null {
  const steps: (string | number)[] = [];
  for (const f of path) {
    if (!f.object) { steps.push(f.index); continue; }
    const token = before.toString("utf8", f.keyStart, f.keyEnd);
    if (token.includes("\\")) return null;
    steps.push(token.slice(1, -1));
  }
  if (keyAgainAfter(now, end, path, steps)) return null;
  const containers: Json[] = [];
  let at: unknown = value;
  for (let k = 0; k < path.length; k++) {
    const f = path[k]!;
    if (at === null || typeof at !== "object" || Array.isArray(at) === f.object) return null;
    const node = at as Json;
    if (f.object && !Object.hasOwn(node, steps[k]!)) return null;
    if (!f.object && (node as unknown[]).length <= f.index) return null;
    containers.push(node);
    at = (node as Record<string | number, unknown>)[steps[k]!];
  }
  let part: unknown;
  try { part = fix(JSON.parse(now.toString("utf8", start, end))); } catch { return null; }
  for (let k = path.length - 1; k >= 0; k--) {
    const node = containers[k]!;
    const copy: Json = Array.isArray(node) ? node.slice() : { ...node };
    (copy as Record<string | number, unknown>)[steps[k]!] = part;
    part = copy;
  }
  return { value: part };
}
