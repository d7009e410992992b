// Sorting lists that are usually in order already. V8's Array.prototype.sort (TimSort)
// allocates its work arrays on every call, ~0.8 KB even for three elements: building the IR
// at 1,000 services sorted ~10,000 small lists (listeners, clusters, destinations, domains)
// for 7.5 MB of garbage, most of them already in order. Same result as `sort` whatever the
// comparator: TimSort starts with the longest run from the first element, non-descending
// while cmp(next, previous) >= 0; when that run is the whole list it returns the list as it
// was, which is exactly the case skipped here (the comparators are pure).

/** `list.sort(cmp)`, without the sort when the list is in order already. */
export function sortInPlace<T>(list: T[], cmp: (a: T, b: T) => number): T[] {
  for (let i = 1; i < list.length; i++) if (cmp(list[i]!, list[i - 1]!) < 0) return list.sort(cmp);
  return list;
}

/** `list.sort()` of strings (code-unit order), without the sort when the list is in order already. */
export function sortStrings(list: string[]): string[] {
  for (let i = 1; i < list.length; i++) if (list[i]! < list[i - 1]!) return list.sort();
  return list;
}
