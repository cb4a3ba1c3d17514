/**
 * String semantics both stores share: ordering by code point (what SQLite's BINARY collation does
 * on UTF-8) and LIKE matching without backtracking blow-ups.
 */

/** Compare by Unicode code point, the order of UTF-8 bytes (not JS's UTF-16 unit order). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let ca = a.charCodeAt(i);
    let cb = b.charCodeAt(i);
    if (ca === cb) continue;
    // Surrogates (D800-DFFF) encode code points above FFFF: move them above E000-FFFF.
    if (ca >= 0xd800) ca += ca >= 0xe000 ? -0x800 : 0x2000;
    if (cb >= 0xd800) cb += cb >= 0xe000 ? -0x800 : 0x2000;
    return ca < cb ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/**
 * SQL LIKE: '%' any run of characters, '_' exactly one character, '\' escapes the next one.
 * Case-sensitive unless `caseInsensitive` (ILIKE). Greedy two-pointer matching: O(n*m) at worst.
 */
export function likeMatch(value: string, pattern: string, caseInsensitive: boolean): boolean {
  const v = Array.from(caseInsensitive ? value.toLowerCase() : value);
  const p = Array.from(caseInsensitive ? pattern.toLowerCase() : pattern);
  // Pre-parse the pattern into tokens: 0 = literal, 1 = '_', 2 = '%'.
  const kinds: number[] = [];
  const chars: string[] = [];
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '\\' && i + 1 < p.length) {
      kinds.push(0);
      chars.push(p[++i]);
    } else if (c === '%') {
      kinds.push(2);
      chars.push('');
    } else if (c === '_') {
      kinds.push(1);
      chars.push('');
    } else {
      kinds.push(0);
      chars.push(c);
    }
  }
  let vi = 0;
  let pi = 0;
  let starP = -1;
  let starV = 0;
  while (vi < v.length) {
    if (pi < kinds.length && (kinds[pi] === 1 || (kinds[pi] === 0 && chars[pi] === v[vi]))) {
      vi++;
      pi++;
    } else if (pi < kinds.length && kinds[pi] === 2) {
      starP = pi++;
      starV = vi;
    } else if (starP >= 0) {
      pi = starP + 1;
      vi = ++starV;
    } else {
      return false;
    }
  }
  while (pi < kinds.length && kinds[pi] === 2) pi++;
  return pi === kinds.length;
}
