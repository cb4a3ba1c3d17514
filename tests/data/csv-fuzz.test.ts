/**
 * Seeded fuzz of the CSV reader (a fixed number of small cases, so its time is bounded): random
 * tables written with random delimiters, quoting, line endings, BOMs and chunkings must read back
 * exactly; a ragged row, an open quote or invalid UTF-8 put at a random place must be reported at
 * the right line and column.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import type { CsvError } from '../../src/data/csv.js';
import { chunked, csvField, readCsvInput, rowsOf } from '../helpers/csv.js';

const CASES = 400;
const PIECES = ['a', 'b', 'Z', '0', '7', ' ', ',', ';', '\t', '|', '"', '""', '\n', '\r', '\r\n', 'é', '日本', '🙂', 'NA', 'x"y', '.', '-'];
const enc = new TextEncoder();

interface Case {
  readonly delimiter: string;
  readonly lineEnding: string;
  readonly quoting: 'needed' | 'all';
  readonly bom: boolean;
  readonly finalLineBreak: boolean;
  readonly header: string[];
  readonly rows: string[][];
}

function randomValue(rng: Rng): string {
  const n = rng.float() < 0.15 ? 0 : rng.int(1, 6);
  let s = '';
  for (let k = 0; k < n; k++) s += PIECES[rng.below(PIECES.length)];
  return s;
}

function randomCase(rng: Rng): Case {
  const nCols = rng.int(1, 6);
  const header = Array.from({ length: nCols }, (_, j) => `c${j}${randomValue(rng)}`);
  const rows = Array.from({ length: rng.int(0, 25) }, () => Array.from({ length: nCols }, () => randomValue(rng)));
  return {
    delimiter: [',', ';', '\t', '|'][rng.below(4)],
    lineEnding: ['\n', '\r\n', '\r'][rng.below(3)],
    quoting: rng.float() < 0.3 ? 'all' : 'needed',
    bom: rng.float() < 0.2,
    finalLineBreak: rng.float() < 0.8,
    header,
    rows,
  };
}

/** The text of a case, and the offset at which each row (header = row 0) starts. */
function write(c: Case, rows: readonly (readonly string[])[] = c.rows): { text: string; starts: number[] } {
  const style = { delimiter: c.delimiter, quoting: c.quoting };
  let text = c.bom ? '\ufeff' : '';
  const starts: number[] = [];
  const all = [c.header, ...rows];
  all.forEach((row, i) => {
    starts.push(text.length);
    // A lone empty field would make an empty line, which readers skip: quote it, as Python's csv does.
    const line = row.length === 1 && row[0] === '' ? '""' : row.map((v) => csvField(v, style)).join(c.delimiter);
    text += line + (i < all.length - 1 || c.finalLineBreak ? c.lineEnding : '');
  });
  return { text, starts };
}

/** The 1-based line at `offset`, counting LF, CRLF and lone CR as one line break each. */
function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = (text.startsWith('\ufeff') ? 1 : 0); i < offset; i++) {
    if (text[i] === '\n' || (text[i] === '\r' && text[i + 1] !== '\n')) line++;
  }
  return line;
}

async function parse(bytes: Uint8Array, c: Case, rng: Rng) {
  const options = { delimiter: c.delimiter, nullValues: [], types: Object.fromEntries(c.header.map((h) => [h, 'string' as const])) };
  const input = rng.float() < 0.5 ? bytes : chunked(bytes, () => rng.int(1, 64));
  const { batches, reader } = await readCsvInput(input, options, 'fuzz.csv');
  return { rows: rowsOf(batches), names: reader.schema!.names };
}

async function refusal(bytes: Uint8Array, c: Case, rng: Rng): Promise<CsvError> {
  try {
    await parse(bytes, c, rng);
  } catch (err) {
    return err as CsvError;
  }
  throw new Error('expected an error');
}

describe('CSV fuzz', () => {
  it(`reads back ${CASES} random tables written in random dialects and chunkings`, async () => {
    const rng = new Rng(20240601);
    for (let k = 0; k < CASES; k++) {
      const c = randomCase(rng);
      const { text } = write(c);
      const got = await parse(enc.encode(text), c, rng);
      expect(got.names, `case ${k}: ${JSON.stringify(text)}`).toEqual(c.header);
      expect(got.rows, `case ${k}: ${JSON.stringify(text)}`).toEqual(c.rows);
    }
  });

  it('reports a ragged row at its line', async () => {
    const rng = new Rng(11);
    for (let k = 0; k < CASES; k++) {
      const c = randomCase(rng);
      if (c.rows.length === 0) continue;
      const r = rng.below(c.rows.length);
      const rows = c.rows.map((row) => [...row]);
      if (rows[r].length > 1 && rng.float() < 0.5) rows[r].pop();
      else rows[r].push(randomValue(rng));
      const { text, starts } = write(c, rows);
      const err = await refusal(enc.encode(text), c, rng);
      expect([err.code, err.line], `case ${k}: ${JSON.stringify(text)}`).toEqual(['CSV_RAGGED_ROW', lineAt(text, starts[r + 1])]);
    }
  });

  it('reports a quote never closed at the line it opens', async () => {
    const rng = new Rng(12);
    for (let k = 0; k < CASES / 4; k++) {
      const c = { ...randomCase(rng), quoting: 'needed' as const };
      if (c.rows.length === 0) continue;
      const r = rng.below(c.rows.length);
      const { text, starts } = write(c);
      // Open a quote at the start of row r's first field and never close it.
      const cut = starts[r + 1];
      const tail = text.slice(cut).replaceAll('"', '');
      const broken = `${text.slice(0, cut)}"${tail}`;
      const err = await refusal(enc.encode(broken), c, rng);
      expect([err.code, err.line], `case ${k}: ${JSON.stringify(broken)}`).toEqual(['CSV_UNTERMINATED_QUOTE', lineAt(broken, cut)]);
    }
  });

  it('reports invalid UTF-8 at its line and column', async () => {
    const rng = new Rng(13);
    const invalid = [[0xff], [0xc3, 0x41], [0xed, 0xa0, 0x80], [0xc0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]];
    for (let k = 0; k < CASES / 2; k++) {
      const c = randomCase(rng);
      if (c.rows.length === 0) continue;
      const r = rng.below(c.rows.length);
      const col = rng.below(c.header.length);
      const marker = `\u0001${k}\u0001`;
      const rows = c.rows.map((row) => [...row]);
      rows[r][col] = `${rows[r][col]}${marker}`;
      const { text, starts } = write(c, rows);
      const at = enc.encode(text);
      const m = enc.encode(marker);
      const pos = indexOf(at, m);
      const bad = invalid[rng.below(invalid.length)];
      const bytes = new Uint8Array([...at.subarray(0, pos), ...bad, ...at.subarray(pos + m.length)]);
      const err = await refusal(bytes, c, rng);
      expect([err.code, err.line, err.column], `case ${k}`).toEqual(['CSV_INVALID_UTF8', lineAt(text, starts[r + 1]), c.header[col]]);
    }
  });

  it('infers number columns and reads each value as Number() does', async () => {
    const rng = new Rng(14);
    for (let k = 0; k < CASES / 4; k++) {
      const n = rng.int(1, 30);
      const values = Array.from({ length: n }, () => {
        const x = (rng.float() - 0.5) * 10 ** rng.int(-8, 12);
        const form = rng.below(4);
        return form === 0 ? String(x) : form === 1 ? x.toFixed(rng.int(0, 6)) : form === 2 ? x.toExponential(rng.int(0, 16)) : String(Math.round(x));
      });
      const text = `x\n${values.join('\n')}\n`;
      const { batches, reader } = await readCsvInput(enc.encode(text));
      expect(String(reader.schema!.arrow.fields[0].type)).toBe('Float64');
      expect(rowsOf(batches).map((r) => r[0])).toEqual(values.map(Number));
    }
  });
});

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
