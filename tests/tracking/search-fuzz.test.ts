import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.js';
import { FilterSyntaxError, MemoryStore, SqliteStore, type TrackingStore, parseFilter } from '../../src/tracking/index.js';

/**
 * Fuzzing the search language: random well-formed filters must give the same runs on the memory
 * evaluator and the SQL compiler; random and mutated strings must either parse or throw
 * FilterSyntaxError; and compiled SQL is built from fixed fragments only (no quote, no word that
 * is not part of the compiler's vocabulary), so no filter text ever reaches SQL.
 */
const dir = mkdtempSync(join(tmpdir(), 'tunekit-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEYS = ['a', 'b', 'c.d', 'e f'];
const STRINGS = ['', 'x', 'X', 'xy', '1', '10', '2.5', '-3', 'é', '😀', 'a%b', "it's", 'a_b'];
const NUMBERS = [-3, 0, 1, 2.5, 10, 1e9];

async function populate(store: TrackingStore, rng: Rng): Promise<void> {
  const exp = await store.createExperiment('fuzz');
  for (let i = 0; i < 40; i++) {
    const run = await store.createRun({ experimentId: exp.experimentId, runName: rng.below(5) === 0 ? null : STRINGS[rng.below(STRINGS.length)], startTime: 1000 + i });
    const pick = <T>(xs: readonly T[]) => xs[rng.below(xs.length)];
    const some = (f: (k: string) => void) => {
      for (const k of KEYS) if (rng.below(3) > 0) f(k);
    };
    const params: { key: string; value: string }[] = [];
    const tags: { key: string; value: string }[] = [];
    const metrics: { key: string; value: number; step: number; timestamp: number }[] = [];
    some((key) => params.push({ key, value: pick(STRINGS) }));
    some((key) => tags.push({ key, value: pick(STRINGS) }));
    some((key) => metrics.push({ key, value: rng.below(8) === 0 ? Number.NaN : pick(NUMBERS), step: 0, timestamp: 1 }));
    await store.logBatch(run.runId, { params, tags, metrics });
    const r = rng.below(4);
    if (r > 0) await store.updateRun(run.runId, { status: (['FINISHED', 'FAILED', 'KILLED'] as const)[r - 1], endTime: 2000 + rng.below(20) });
  }
}

const quoteKey = (k: string) => (/^[\w.]+$/.test(k) ? k : `\`${k}\``);
const str = (s: string) => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

function randomPredicate(rng: Rng): string {
  const pick = <T>(xs: readonly T[]) => xs[rng.below(xs.length)];
  const cmp = pick(['=', '!=', '<', '<=', '>', '>=', '==', '<>']);
  const entity = pick(['metrics', 'params', 'tags', 'attr']);
  if (entity === 'attr') {
    const attr = pick(['status', 'run_name', 'start_time', 'end_time', 'parent_run_id']);
    if (attr === 'status') return rng.below(2) ? `status ${pick(['=', '!='])} '${pick(['RUNNING', 'FINISHED', 'FAILED', 'KILLED'])}'` : `attributes.status ${pick(['in', 'not in'])} ('FINISHED', 'FAILED')`;
    if (attr === 'start_time' || attr === 'end_time') return rng.below(4) ? `${attr} ${cmp} ${pick([1000, 1010, 1039, 2005, 2019])}` : `${attr} is ${pick(['', 'not '])}null`;
    const forms = [`${attr} ${cmp} ${str(pick(STRINGS))}`, `${attr} ${pick(['like', 'ilike', 'not like'])} ${str(pick(['%', 'x%', '%y', '_', '%é%']))}`, `${attr} is ${pick(['', 'not '])}null`, `${attr} in (${str(pick(STRINGS))}, ${str(pick(STRINGS))})`];
    return pick(forms);
  }
  const field = `${entity}.${quoteKey(pick([...KEYS, 'missing']))}`;
  const form = rng.below(6);
  if (form === 0) return `${field} is ${pick(['', 'not '])}null`;
  if (entity === 'metrics' || form === 1) {
    if (form === 2) return `${field} ${pick(['in', 'not in'])} (${pick(NUMBERS)}, ${pick(NUMBERS)})`;
    return `${field} ${cmp} ${pick(NUMBERS)}`;
  }
  if (form === 2) return `${field} ${pick(['in', 'not in'])} (${str(pick(STRINGS))}, ${str(pick(STRINGS))})`;
  if (form === 3) return `${field} ${pick(['like', 'ilike', 'not like', 'not ilike'])} ${str(pick(['%', 'x%', '%Y', '_', 'a\\%b', '1%']))}`;
  return `${field} ${cmp} ${str(pick(STRINGS))}`;
}

function randomFilter(rng: Rng, depth = 0): string {
  const r = rng.below(10);
  if (depth > 3 || r < 4) return randomPredicate(rng);
  if (r < 6) return `${randomFilter(rng, depth + 1)} and ${randomFilter(rng, depth + 1)}`;
  if (r < 8) return `(${randomFilter(rng, depth + 1)} or ${randomFilter(rng, depth + 1)})`;
  return `not (${randomFilter(rng, depth + 1)})`;
}

/** Every word compiled SQL may contain; anything else would have come from the filter text. */
const SQL_VOCABULARY = new Set(
  'EXISTS SELECT 1 FROM latest_metrics params tags x WHERE rid r AND key value num IS NOT NULL IN OR tk_like id name status start_time end_time parent_run_id runs LEFT JOIN ON ORDER BY ASC DESC LIMIT OFFSET experiment_id json_each o0 o1 o2 o3 o4 COUNT AS n UNION ALL experiment lifecycle_stage f0 f1 f2 f3 f4 f5 f6 f7 f8 f9'.split(' '),
);
function checkSqlVocabulary(sql: string): void {
  expect(sql).not.toMatch(/['"`;]/);
  const unknown = sql.split(/[\s(),.?<>=!*+]+/).filter((w) => w !== '' && !SQL_VOCABULARY.has(w));
  expect(unknown, sql).toEqual([]);
}

describe('search fuzzing', () => {
  const rng = new Rng(20240611);
  const memory = new MemoryStore();
  const sqlite = new SqliteStore(join(dir, 'fuzz.db'));
  beforeAll(async () => {
    await populate(memory, new Rng(1));
    await populate(sqlite, new Rng(1));
  });
  afterAll(() => sqlite.close());
  // Same seeds give the same data; run ids differ, so compare by content. Start times are unique,
  // so the order (ties broken by start time) is total and comparable too.
  const signature = async (s: TrackingStore, filter: string, orderBy: string[] = []) =>
    (await s.searchRuns({ filter, orderBy })).runs.map((r) => JSON.stringify([r.info.runName, r.info.startTime, r.info.endTime, r.info.status, r.params, r.tags]));

  it('random well-formed filters: memory and SQL agree, and SQL holds no filter text', async () => {
    let matched = 0;
    for (let i = 0; i < 500; i++) {
      const filter = randomFilter(rng);
      expect(() => parseFilter(filter), filter).not.toThrow();
      checkSqlVocabulary(sqlite.compileSearch({ filter, orderBy: ['metrics.a desc', 'params.`e f` asc'] }).sql);
      const m = await signature(memory, filter, ['metrics.a desc', 'params.b', 'tags.`c.d` desc', 'run_name']);
      expect(await signature(sqlite, filter, ['metrics.a desc', 'params.b', 'tags.`c.d` desc', 'run_name']), filter).toEqual(m);
      if (m.length > 0 && m.length < 40) matched++;
    }
    // The generator is not degenerate: most filters select some but not all runs.
    expect(matched).toBeGreaterThan(150);
  });

  it('random and mutated strings parse or throw FilterSyntaxError, never anything else', async () => {
    const alphabet = ["'", '"', '`', '(', ')', ',', '=', '<', '>', '!', '.', ' ', '-', '1', 'e', 'a', '\\', '%', 'é', '\n', 'and', 'or', 'not', 'in', 'is', 'null', 'like', 'metrics.', 'params.', 'status'];
    let parsed = 0;
    let refused = 0;
    for (let i = 0; i < 3000; i++) {
      let s: string;
      if (i % 2 === 0) {
        s = randomFilter(rng);
        const edits = rng.int(1, 3);
        for (let e = 0; e < edits; e++) {
          const at = rng.below(s.length + 1);
          const op = rng.below(3);
          if (op === 0) s = s.slice(0, at) + s.slice(at + 1);
          else if (op === 1) s = s.slice(0, at) + alphabet[rng.below(alphabet.length)] + s.slice(at);
          else s = s.slice(0, at);
        }
      } else {
        s = Array.from({ length: rng.int(0, 12) }, () => alphabet[rng.below(alphabet.length)]).join(rng.below(2) ? ' ' : '');
      }
      try {
        parseFilter(s);
      } catch (err) {
        expect(err, s).toBeInstanceOf(FilterSyntaxError);
        expect((err as FilterSyntaxError).position).toBeGreaterThanOrEqual(0);
        expect((err as FilterSyntaxError).position).toBeLessThanOrEqual(s.length);
        refused++;
        continue;
      }
      parsed++;
      checkSqlVocabulary(sqlite.compileSearch({ filter: s }).sql);
      expect(await signature(sqlite, s), s).toEqual(await signature(memory, s));
    }
    expect(parsed).toBeGreaterThan(150);
    expect(refused).toBeGreaterThan(750);
  });

  it('deep and long inputs: parse or throw FilterSyntaxError (never a stack overflow), and both stores agree', async () => {
    let parsed = 0;
    let refused = 0;
    for (let i = 0; i < 120; i++) {
      const open = rng.int(0, 120);
      const close = rng.below(4) === 0 ? rng.int(0, 120) : open;
      const nots = rng.below(3) === 0 ? rng.int(0, 80) : 0;
      const chain = Array.from({ length: rng.below(3) === 0 ? rng.int(900, 1200) : rng.int(1, 30) }, () => randomPredicate(rng)).join(rng.below(2) ? ' or ' : ' and ');
      const s = `${'not '.repeat(nots)}${'('.repeat(open)}${chain}${')'.repeat(close)}`;
      try {
        parseFilter(s);
      } catch (err) {
        expect(err, s.slice(0, 200)).toBeInstanceOf(FilterSyntaxError);
        refused++;
        continue;
      }
      parsed++;
      expect(await signature(sqlite, s), s.slice(0, 200)).toEqual(await signature(memory, s));
    }
    expect(parsed).toBeGreaterThan(15);
    expect(refused).toBeGreaterThan(15);
  });
});
