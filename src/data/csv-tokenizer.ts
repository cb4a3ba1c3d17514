/**
 * The CSV tokenizer: finds the fields of the complete rows in a buffer of bytes, recording each
 * field's byte range (no string, no object per field), so that columns can then be converted
 * one at a time, each with a loop specialised for its type.
 *
 * Dialect (RFC 4180, read leniently as Python's csv module does):
 * - fields end at the delimiter; rows at LF, CRLF or a lone CR; empty lines are skipped;
 * - a field that starts with the quote character is quoted: it runs to the next lone quote, may
 *   hold delimiters and line breaks, and a doubled quote in it stands for one quote; bytes after
 *   the closing quote and before the next delimiter are kept as they are;
 * - a quote inside an unquoted field is an ordinary byte.
 */

export const LF = 10;
export const CR = 13;

/** How a field's bytes are recorded. */
export const FieldKind = {
  /** The value is the bytes [start, end). */
  plain: 0,
  /** A quoted field without escapes: the value is [start, end), quotes excluded. */
  quoted: 1,
  /** Needs `unquote` over [start, end): a quoted field with doubled quotes or bytes after it. */
  escaped: 2,
} as const;

/** Why a line of CSV cannot be read. */
export type CsvFault = 'ragged' | 'unterminated' | 'value' | 'utf8';

/**
 * A fault at a 1-based line (and 0-based column, or -1) of one input; the reader adds the file
 * and the column's name.
 */
export class CsvLineError extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    readonly fault: CsvFault,
    message: string,
  ) {
    super(message);
  }
}

export class CsvTokenizer {
  /** Per field (row-major, `nCols` per row): byte range and `FieldKind`. */
  starts = new Int32Array(1024);
  ends = new Int32Array(1024);
  kinds = new Uint8Array(1024);
  /** The line each row starts on (1-based). */
  rowLines = new Int32Array(256);
  nRows = 0;
  nFields = 0;
  /** Line of the next byte to scan. */
  line = 1;

  /**
   * @param nCols fields every row must have; -1 accepts any count (the header row).
   * @param quote the quote byte, or -1 for none.
   */
  constructor(
    readonly delimiter: number,
    readonly quote: number,
    public nCols: number,
  ) {}

  /** Forget the rows recorded (their line numbers are kept counting). */
  reset(): void {
    this.nRows = 0;
    this.nFields = 0;
  }

  /**
   * Records the complete rows of `buf[from, to)`, at most `maxRows` in all, and returns where the
   * unconsumed bytes start. With `final`, `to` is the end of the input: a last row without a line
   * break is complete, and an open quote is an error.
   */
  scan(buf: Uint8Array, from: number, to: number, final: boolean, maxRows: number): number {
    const delim = this.delimiter;
    const quote = this.quote;
    const nCols = this.nCols;
    let starts = this.starts;
    let ends = this.ends;
    let kinds = this.kinds;
    let f = this.nFields;
    let rows = this.nRows;
    let line = this.line;
    let pos = from;
    let consumed = from;
    scanning: while (pos < to && rows < maxRows) {
      const rowLine = line;
      const rowField0 = f;
      const c0 = buf[pos];
      // Empty lines.
      if (c0 === LF || c0 === CR) {
        if (c0 === CR && pos + 1 >= to && !final) break;
        pos += c0 === CR && pos + 1 < to && buf[pos + 1] === LF ? 2 : 1;
        line++;
        consumed = pos;
        continue;
      }
      for (;;) {
        if (f >= starts.length) {
          this.grow(f + 1);
          starts = this.starts;
          ends = this.ends;
          kinds = this.kinds;
        }
        if (pos < to && buf[pos] === quote) {
          let i = pos + 1;
          let kind: number = FieldKind.quoted;
          for (;;) {
            while (i < to) {
              const c = buf[i];
              if (c === quote) break;
              if (c === LF || (c === CR && (i + 1 >= to || buf[i + 1] !== LF))) line++;
              i++;
            }
            // Undecided: input ends inside the quotes, or right after a quote that may be doubled.
            if (i + 1 >= to && !final) {
              line = rowLine;
              break scanning;
            }
            if (i >= to) {
              throw new CsvLineError(rowLine, -1, 'unterminated', 'a quoted field that starts here is never closed');
            }
            if (i + 1 < to && buf[i + 1] === quote) {
              kind = FieldKind.escaped;
              i += 2;
              continue;
            }
            break;
          }
          const close = i++;
          if (i < to && buf[i] !== delim && buf[i] !== LF && buf[i] !== CR) {
            // Bytes after the closing quote: kept as they are, up to the delimiter.
            while (i < to) {
              const c = buf[i];
              if (c === delim || c === LF || c === CR) break;
              i++;
            }
            starts[f] = pos;
            ends[f] = i;
            kinds[f] = FieldKind.escaped;
          } else {
            starts[f] = kind === FieldKind.escaped ? pos : pos + 1;
            ends[f] = kind === FieldKind.escaped ? i : close;
            kinds[f] = kind;
          }
          pos = i;
        } else {
          let i = pos;
          while (i < to) {
            const c = buf[i];
            if (c === delim || c === LF || c === CR) break;
            i++;
          }
          starts[f] = pos;
          ends[f] = i;
          kinds[f] = FieldKind.plain;
          pos = i;
        }
        f++;
        if (pos >= to) {
          if (!final) {
            f = rowField0;
            line = rowLine;
            break scanning;
          }
        } else {
          const c = buf[pos];
          if (c === delim) {
            pos++;
            continue;
          }
          if (c === CR) {
            if (pos + 1 >= to && !final) {
              f = rowField0;
              line = rowLine;
              break scanning;
            }
            pos += pos + 1 < to && buf[pos + 1] === LF ? 2 : 1;
          } else {
            pos++;
          }
          line++;
        }
        // The row is complete.
        const count = f - rowField0;
        if (nCols >= 0 && count !== nCols) {
          throw new CsvLineError(rowLine, -1, 'ragged', `${count} field${count === 1 ? '' : 's'}; the header has ${nCols}`);
        }
        if (rows >= this.rowLines.length) {
          const next = new Int32Array(this.rowLines.length * 2);
          next.set(this.rowLines);
          this.rowLines = next;
        }
        this.rowLines[rows++] = rowLine;
        consumed = pos;
        continue scanning;
      }
    }
    this.nFields = f;
    this.nRows = rows;
    this.line = line;
    return consumed;
  }

  private grow(need: number): void {
    let size = this.starts.length * 2;
    while (size < need) size *= 2;
    const starts = new Int32Array(size);
    const ends = new Int32Array(size);
    const kinds = new Uint8Array(size);
    starts.set(this.starts);
    ends.set(this.ends);
    kinds.set(this.kinds);
    this.starts = starts;
    this.ends = ends;
    this.kinds = kinds;
  }
}

/**
 * The value of an `escaped` field written into `out` from `at` (which must have room for
 * `end - start` bytes); returns the end of what was written. A leading quote opens the quoted
 * part, a doubled quote in it is one quote, and what follows the closing quote is copied as is.
 */
export function unquote(buf: Uint8Array, start: number, end: number, quote: number, out: Uint8Array, at: number): number {
  let o = at;
  let i = start + 1;
  while (i < end) {
    const c = buf[i];
    if (c === quote) {
      if (i + 1 < end && buf[i + 1] === quote) {
        out[o++] = quote;
        i += 2;
        continue;
      }
      i++;
      break;
    }
    out[o++] = c;
    i++;
  }
  while (i < end) out[o++] = buf[i++];
  return o;
}
