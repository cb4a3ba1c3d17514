/**
 * Values of CSV fields read straight from bytes: numbers, ISO-8601 timestamps, booleans, null
 * markers and UTF-8 checks. No string is made for a value except on rare slow paths (numbers of
 * more than 15 significant digits or far exponents).
 */

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const SPACE = 32;
const TAB = 9;

/**
 * The number written in `buf[s, e)` (decimal: sign, digits, optional fraction and exponent;
 * `inf`/`infinity` in any case; spaces around allowed), NaN when it is not one. A `NaN` literal
 * also gives NaN: `isNanText` tells the two apart.
 *
 * Up to 15 significant digits and a power of ten within 1e±22, the value is one exactly rounded
 * multiplication or division of two exact doubles (Clinger's fast path); otherwise the validated
 * text goes through `Number`, which rounds correctly too.
 */
export function parseNumber(buf: Uint8Array, s: number, e: number): number {
  while (s < e && (buf[s] === SPACE || buf[s] === TAB)) s++;
  while (e > s && (buf[e - 1] === SPACE || buf[e - 1] === TAB)) e--;
  if (s >= e) return Number.NaN;
  let i = s;
  let negative = false;
  const c0 = buf[i];
  if (c0 === 45) {
    negative = true;
    i++;
  } else if (c0 === 43) {
    i++;
  }
  let m = 0;
  let significant = 0;
  let exponent = 0;
  let digits = 0;
  while (i < e) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) break;
    if (m !== 0 || d !== 0) significant++;
    m = m * 10 + d;
    digits++;
    i++;
  }
  if (i < e && buf[i] === 46) {
    i++;
    while (i < e) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) break;
      if (m !== 0 || d !== 0) significant++;
      m = m * 10 + d;
      exponent--;
      digits++;
      i++;
    }
  }
  if (digits === 0) return infinity(buf, i, e, negative);
  if (i < e && (buf[i] | 32) === 101) {
    i++;
    let expNegative = false;
    if (i < e && (buf[i] === 45 || buf[i] === 43)) expNegative = buf[i++] === 45;
    let x = 0;
    let xDigits = 0;
    while (i < e) {
      const d = buf[i] - 48;
      if (d < 0 || d > 9) break;
      if (x < 100000) x = x * 10 + d;
      xDigits++;
      i++;
    }
    if (xDigits === 0) return Number.NaN;
    exponent += expNegative ? -x : x;
  }
  if (i !== e) return Number.NaN;
  if (significant > 15 || exponent < -22 || exponent > 22) return Number(asciiText(buf, s, e));
  const v = exponent === 0 ? m : exponent < 0 ? m / POW10[-exponent] : m * POW10[exponent];
  return negative ? -v : v;
}

/** ±Infinity for `inf` / `infinity` (any case) at `buf[i, e)`, else NaN. */
function infinity(buf: Uint8Array, i: number, e: number, negative: boolean): number {
  const n = e - i;
  if (n !== 3 && n !== 8) return Number.NaN;
  const word = 'infinity';
  for (let k = 0; k < n; k++) if ((buf[i + k] | 32) !== word.charCodeAt(k)) return Number.NaN;
  return negative ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
}

/** Whether `buf[s, e)` is `nan` in any case (spaces around allowed). */
export function isNanText(buf: Uint8Array, s: number, e: number): boolean {
  while (s < e && (buf[s] === SPACE || buf[s] === TAB)) s++;
  while (e > s && (buf[e - 1] === SPACE || buf[e - 1] === TAB)) e--;
  return e - s === 3 && (buf[s] | 32) === 110 && (buf[s + 1] | 32) === 97 && (buf[s + 2] | 32) === 110;
}

/** 1 for true / True / TRUE, 0 for false / False / FALSE, -1 otherwise. */
export function parseBoolean(buf: Uint8Array, s: number, e: number): number {
  const n = e - s;
  if (n !== 4 && n !== 5) return -1;
  const word = n === 4 ? 'true' : 'false';
  // All lower case, all upper case, or capitalised.
  const firstUpper = buf[s] < 97;
  const restUpper = buf[s + 1] < 97;
  if (restUpper && !firstUpper) return -1;
  for (let k = 0; k < n; k++) {
    const w = word.charCodeAt(k);
    if (buf[s + k] !== ((k === 0 ? firstUpper : restUpper) ? w - 32 : w)) return -1;
  }
  return n === 4 ? 1 : 0;
}

/** Set by `parseTimestamp`: whether the last value it read had a zone designator (Z or ±hh:mm). */
export const lastTimestamp = { zoned: false };

const MICROS_PER_DAY = 86_400_000_000;
const LIMIT = 2 ** 53;

/**
 * Microseconds since 1970-01-01T00:00 of an ISO-8601 date or date-time: `YYYY-MM-DD`, then
 * optionally `T` or a space and `hh:mm[:ss[.fraction]]` (fractions beyond microseconds are cut),
 * then optionally `Z` or `±hh[:mm]` (the value is then converted to UTC). NaN when the bytes are
 * not such a time or it falls outside ±2^53 µs (years 1685 to 2255).
 */
export function parseTimestamp(buf: Uint8Array, s: number, e: number): number {
  lastTimestamp.zoned = false;
  while (s < e && buf[s] === SPACE) s++;
  while (e > s && buf[e - 1] === SPACE) e--;
  if (e - s < 10 || buf[s + 4] !== 45 || buf[s + 7] !== 45) return Number.NaN;
  const year = digits(buf, s, 4);
  const month = digits(buf, s + 5, 2);
  const day = digits(buf, s + 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Number.NaN;
  let micros = daysFromCivil(year, month, day) * MICROS_PER_DAY;
  let i = s + 10;
  if (i < e) {
    const sep = buf[i];
    if (sep !== 84 && sep !== 116 && sep !== SPACE) return Number.NaN;
    if (e - i < 6 || buf[i + 3] !== 58) return Number.NaN;
    const hour = digits(buf, i + 1, 2);
    const minute = digits(buf, i + 4, 2);
    if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return Number.NaN;
    micros += (hour * 3600 + minute * 60) * 1e6;
    i += 6;
    if (i < e && buf[i] === 58) {
      const second = digits(buf, i + 1, 2);
      if (i + 3 > e || second < 0 || second > 59) return Number.NaN;
      micros += second * 1e6;
      i += 3;
      if (i < e && (buf[i] === 46 || buf[i] === 44)) {
        i++;
        let fraction = 0;
        let n = 0;
        while (i < e) {
          const d = buf[i] - 48;
          if (d < 0 || d > 9) break;
          if (n < 6) fraction = fraction * 10 + d;
          n++;
          i++;
        }
        if (n === 0) return Number.NaN;
        for (let k = n; k < 6; k++) fraction *= 10;
        micros += fraction;
      }
    }
    if (i < e) {
      const z = buf[i];
      if ((z === 90 || z === 122) && i + 1 === e) {
        lastTimestamp.zoned = true;
      } else if (z === 43 || z === 45) {
        const offset = zoneOffsetMinutes(buf, i + 1, e);
        if (Number.isNaN(offset)) return Number.NaN;
        micros -= (z === 45 ? -offset : offset) * 60e6;
        lastTimestamp.zoned = true;
      } else {
        return Number.NaN;
      }
    }
  }
  return micros > -LIMIT && micros < LIMIT ? micros : Number.NaN;
}

/** Minutes of `hh`, `hhmm` or `hh:mm` at `buf[i, e)`; NaN otherwise. */
function zoneOffsetMinutes(buf: Uint8Array, i: number, e: number): number {
  const n = e - i;
  const hours = digits(buf, i, 2);
  if (hours < 0 || hours > 23) return Number.NaN;
  if (n === 2) return hours * 60;
  const at = n === 5 && buf[i + 2] === 58 ? i + 3 : n === 4 ? i + 2 : -1;
  if (at < 0) return Number.NaN;
  const minutes = digits(buf, at, 2);
  return minutes < 0 || minutes > 59 ? Number.NaN : hours * 60 + minutes;
}

/** The decimal number of `n` digits at `buf[i]`, or -1. */
function digits(buf: Uint8Array, i: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const d = buf[i + k] - 48;
    if (!(d >= 0 && d <= 9)) return -1;
    v = v * 10 + d;
  }
  return v;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Whether `buf[s, e)` is well-formed UTF-8 (no overlong forms, surrogates or code points above U+10FFFF). */
export function isUtf8(buf: Uint8Array, s: number, e: number): boolean {
  let i = s;
  while (i < e) {
    const c = buf[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let cp: number;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + need >= e) return false;
    for (let k = 1; k <= need; k++) {
      const b = buf[i + k];
      if ((b & 0xc0) !== 0x80) return false;
      cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += need + 1;
  }
  return true;
}

/** Bytes that are ASCII (validated by the caller) as a string. */
function asciiText(buf: Uint8Array, s: number, e: number): string {
  let out = '';
  for (let i = s; i < e; i++) out += String.fromCharCode(buf[i]);
  return out;
}

/** Matches the configured null markers (the empty field among them or not) against bytes. */
export class NullMatcher {
  private readonly markers: Uint8Array[];
  readonly emptyIsNull: boolean;
  /** Bit n set when some marker has n bytes (n < 32). */
  private readonly lengths: number;

  constructor(markers: readonly string[]) {
    const encoder = new TextEncoder();
    this.emptyIsNull = markers.includes('');
    this.markers = markers.filter((m) => m !== '').map((m) => encoder.encode(m));
    let lengths = 0;
    for (const m of this.markers) if (m.length < 32) lengths |= 1 << m.length;
    this.lengths = lengths;
  }

  /** Whether the (non-empty) bytes `buf[s, e)` are a null marker. */
  matches(buf: Uint8Array, s: number, e: number): boolean {
    const n = e - s;
    if (n < 32 && (this.lengths & (1 << n)) === 0) return false;
    for (const m of this.markers) {
      if (m.length !== n) continue;
      let k = 0;
      while (k < n && buf[s + k] === m[k]) k++;
      if (k === n) return true;
    }
    return false;
  }
}
