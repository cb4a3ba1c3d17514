import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILTER_MAX_DEPTH, FILTER_MAX_KEYS, FILTER_MAX_LENGTH, FILTER_MAX_PREDICATES } from '../../src/core/limits.js';
import { Rng } from '../../src/core/rng.js';
import { FilterSyntaxError, MemoryStore, SqliteStore, type TrackingStore, parseFilter, parseOrderBy, quoteFilterKey, quoteFilterValue } from '../../src/tracking/index.js';
import { compareCodePoints, likeMatch } from '../../src/tracking/search/strings.js';

const dir = mkdtempSync(join(tmpdir(), 'tunekit-search-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Fixture {
  store: TrackingStore;
  ids: string[];
}

/** Five runs covering every kind of value: present, missing, NaN, non-numeric params, null name. */
async function fixture(store: TrackingStore): Promise<Fixture> {
  const exp = await store.createExperiment('fixture');
  const specs = [
    { name: 'alpha', params: { maxDepth: '10', model: 'RandomForest' }, metrics: { rmse: 6.5, mae: 4 }, tags: { team: 'ml' }, status: 'FINISHED' },
    { name: 'beta', params: { maxDepth: '5', model: 'randomforest' }, metrics: { rmse: 7.2 }, tags: { team: 'Data' }, status: 'FAILED' },
    { name: 'gamma', params: { maxDepth: 'None', model: 'Lasso' }, metrics: { rmse: Number.NaN }, tags: {}, status: 'RUNNING' },
    { name: null, params: {}, metrics: { rmse: 5, mae: 3 }, tags: { team: 'ml', note: 'x' }, status: 'FINISHED' },
    { name: 'delta', params: { maxDepth: '20', model: 'XGB' }, metrics: {}, tags: {}, status: 'KILLED' },
  ] as const;
  const ids: string[] = [];
  for (const [i, spec] of specs.entries()) {
    const run = await store.createRun({ experimentId: exp.experimentId, runName: spec.name, startTime: 1000 + i, parentRunId: i === 1 ? ids[0] : null });
    ids.push(run.runId);
    await store.logBatch(run.runId, {
      params: Object.entries(spec.params).map(([key, value]) => ({ key, value })),
      metrics: Object.entries(spec.metrics).map(([key, value]) => ({ key, value, step: 0, timestamp: 1 })),
      tags: Object.entries(spec.tags).map(([key, value]) => ({ key, value })),
    });
    if (spec.status !== 'RUNNING') await store.updateRun(run.runId, { status: spec.status, endTime: 2000 + i });
  }
  return { store, ids };
}

const CASES: [string, number[]][] = [
  ['metrics.rmse < 6.7', [0, 3]],
  ['metrics.rmse <= 6.5', [0, 3]],
  ['metrics.rmse > 6.5', [1]],
  ['metrics.rmse >= 6.5', [0, 1]],
  ['metrics.rmse = 7.2', [1]],
  ['metrics.rmse != 7.2', [0, 3]],
  ['metrics.rmse < -1e3', []],
  ["params.maxDepth = '10'", [0]],
  ["params.maxDepth == '10'", [0]],
  ["params.maxDepth != '10'", [1, 2, 4]],
  ["params.maxDepth <> '10'", [1, 2, 4]],
  ['params.maxDepth > 6', [0, 4]],
  ["params.maxDepth < '6'", [0, 1, 4]],
  ["params.model like 'Random%'", [0]],
  ["params.model like 'random%'", [1]],
  ["params.model ilike 'random%'", [0, 1]],
  ["params.model like '_asso'", [2]],
  ["params.model not like '%o%'", [4]],
  ["params.model in ('Lasso', 'XGB')", [2, 4]],
  ["params.model not in ('Lasso', 'XGB')", [0, 1]],
  ['params.maxDepth in (5, 20)', [1, 4]],
  ["tags.team = 'ml'", [0, 3]],
  ['tags.note is null', [0, 1, 2, 4]],
  ['tags.note is not null', [3]],
  ['metrics.mae is null', [1, 2, 4]],
  ["status = 'FINISHED'", [0, 3]],
  ["attributes.status in ('FAILED', 'KILLED')", [1, 4]],
  ["attribute.status != 'RUNNING'", [0, 1, 3, 4]],
  ['run_name is null', [3]],
  ["run_name like '%a'", [0, 1, 2, 4]],
  ["attributes.run_name ilike 'ALPHA'", [0]],
  ['start_time >= 1002', [2, 3, 4]],
  ['attributes.end_time is null', [2]],
  ['end_time < 2002', [0, 1]],
  ["metrics.rmse < 7 and (tags.team = 'Data' or params.maxDepth = '10')", [0]],
  ['not (metrics.rmse < 7)', [1, 2, 4]],
  ["metrics.rmse < 6 or status = 'KILLED'", [3, 4]],
  ['metrics.`rmse` < 6', [3]],
  ['metrics."rmse" < 6', [3]],
  ["METRICS.rmse < 6 AND STATUS = 'FINISHED'", [3]],
  ["not params.model in ('Lasso') and not tags.team is null", [0, 1, 3]],
  ["params.model not in ('Lasso') and not tags.team is null", [0, 1]],
  ['', [0, 1, 2, 3, 4]],
];

const ORDERS: [string[], number[]][] = [
  [['metrics.rmse asc'], [3, 0, 1, 4, 2]],
  [['metrics.rmse desc'], [1, 0, 3, 4, 2]],
  [['params.maxDepth'], [1, 0, 4, 2, 3]],
  [['params.maxDepth desc'], [4, 0, 1, 2, 3]],
  [['attributes.run_name asc'], [0, 1, 4, 2, 3]],
  [['tags.team asc', 'metrics.rmse desc'], [1, 0, 3, 4, 2]],
  [['end_time desc'], [4, 3, 1, 0, 2]],
  [[], [4, 3, 2, 1, 0]],
];

for (const [name, make] of [
  ['memory', () => new MemoryStore()],
  ['sqlite', () => new SqliteStore(join(dir, 'fixture.db'))],
] as const) {
  describe(`search on ${name}`, () => {
    let f: Fixture;
    beforeAll(async () => {
      f = await fixture(make());
    });
    afterAll(() => f.store.close());
    const search = async (filter: string, orderBy: string[] = []) => (await f.store.searchRuns({ filter, orderBy })).runs.map((r) => f.ids.indexOf(r.info.runId));

    it.each(CASES)('%s', async (filter, expected) => {
      expect((await search(filter)).sort()).toEqual(expected);
    });

    it('filters on run ids and parent run ids', async () => {
      expect(await search(`run_id = '${f.ids[2]}'`)).toEqual([2]);
      expect(await search(`parent_run_id = '${f.ids[0]}'`)).toEqual([1]);
      expect(await search('parent_run_id is not null')).toEqual([1]);
    });

    it.each(ORDERS)('order by %j', async (orderBy, expected) => {
      expect(await search('', orderBy)).toEqual(expected);
    });
  });
}

describe('filter parser', () => {
  it('builds the AST with precedence: not > and > or', () => {
    expect(parseFilter("metrics.a < 1 or params.b = 'x' and not tags.c is null")).toEqual({
      type: 'or',
      items: [
        { type: 'compare', field: { entity: 'metric', key: 'a' }, op: '<', value: 1 },
        {
          type: 'and',
          items: [
            { type: 'compare', field: { entity: 'param', key: 'b' }, op: '=', value: 'x' },
            { type: 'not', item: { type: 'null', field: { entity: 'tag', key: 'c' }, negated: false } },
          ],
        },
      ],
    });
    expect(parseFilter('   ')).toBeNull();
    expect(parseFilter("tags.`mlflow.source name` = 'it''s'".replace("''", "\\'"))).toEqual({
      type: 'compare',
      field: { entity: 'tag', key: 'mlflow.source name' },
      op: '=',
      value: "it's",
    });
    expect(parseFilter("params.a = 'it''s' or params.b = ''")).toEqual({
      type: 'or',
      items: [
        { type: 'compare', field: { entity: 'param', key: 'a' }, op: '=', value: "it's" },
        { type: 'compare', field: { entity: 'param', key: 'b' }, op: '=', value: '' },
      ],
    });
    expect(parseFilter('tags.`a``b` = "say ""hi"""')).toEqual({ type: 'compare', field: { entity: 'tag', key: 'a`b' }, op: '=', value: 'say "hi"' });
    expect(parseFilter('params.a.b-c/d = -1.5e-3')).toEqual({ type: 'compare', field: { entity: 'param', key: 'a.b-c/d' }, op: '=', value: -0.0015 });
    expect(parseOrderBy('metrics.rmse DESC')).toEqual({ field: { entity: 'metric', key: 'rmse' }, descending: true });
    expect(parseOrderBy('start_time')).toEqual({ field: { entity: 'attribute', key: 'start_time' }, descending: false });
  });

  const errors: [string, number, RegExp][] = [
    ['metrics.rmse <', 14, /expected a quoted string or a number/],
    ["metrics.rmse < 'a'", 15, /compares to numbers/],
    ['foo.x = 1', 0, /unknown entity 'foo'/],
    ['nonsense = 1', 0, /unknown attribute/],
    ["status = 'DONE'", 9, /unknown status/],
    ["params.a = 'abc", 11, /unterminated string/],
    ["params.a = '1' and", 18, /expected a field/],
    ['(metrics.a < 1', 14, /expected '\)'/],
    ['metrics.a < 1)', 13, /expected 'and', 'or' or end of input/],
    ['metrics.a like 1', 10, /numeric; LIKE/],
    ['start_time = \'x\'', 13, /compares to numbers/],
    ["run_name = 5", 11, /compares to quoted strings/],
    ["params.a in ('x', 1)", 19, /mixes strings and numbers/],
    ['params.a in ()', 13, /expected a quoted string or a number/],
    ['metrics.a ~ 1', 10, /unexpected character/],
    ['metrics.a < 1x', 13, /after number/],
    ['metrics.a is 1', 13, /expected 'null'/],
    ['metrics. `a` < 1', 9, /no space allowed/],
    ['metrics.a ! 1', 10, /expected '!='/],
  ];
  it.each(errors)('%s -> FilterSyntaxError at %i', (input, position, reason) => {
    let caught: unknown;
    try {
      parseFilter(input);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(FilterSyntaxError);
    expect((caught as FilterSyntaxError).position).toBe(position);
    expect((caught as FilterSyntaxError).message).toMatch(reason);
    expect((caught as FilterSyntaxError).code).toBe('FILTER_SYNTAX');
  });

  it('filters are bounded in values, predicates, depth and length, with positioned errors', () => {
    const list = (n: number, from = 0) => `params.a in (${Array.from({ length: n }, (_, i) => `'${from + i}'`).join(', ')})`;
    expect(parseFilter(list(10_000))).toMatchObject({ type: 'in' });
    expect(() => parseFilter(list(10_001))).toThrow(/at most 10000 values/);
    // The bound is on the whole filter, so several lists cannot add up past what SQLite binds.
    expect(() => parseFilter(`${list(6000)} or ${list(6000)}`)).toThrow(/at most 10000 values/);
    const preds = (n: number) => Array.from({ length: n }, (_, i) => `tags.t${i % 8} is null`).join(' and ');
    expect(parseFilter(preds(FILTER_MAX_PREDICATES))).toMatchObject({ type: 'and' });
    expect(() => parseFilter(preds(FILTER_MAX_PREDICATES + 1))).toThrow(/at most 5000 comparisons/);
    const keys = (n: number) => Array.from({ length: n }, (_, i) => `tags.t${i} is null or params.p = '${i}' or status = 'FINISHED'`).join(' and ');
    expect(parseFilter(keys(FILTER_MAX_KEYS - 1))).toMatchObject({ type: 'or' });
    expect(() => parseFilter(keys(FILTER_MAX_KEYS))).toThrow(/at most 32 distinct metric, param and tag keys/);
    const deep = `${'('.repeat(FILTER_MAX_DEPTH + 1)}metrics.a < 1${')'.repeat(FILTER_MAX_DEPTH + 1)}`;
    const err = (() => {
      try {
        parseFilter(deep);
      } catch (e) {
        return e as FilterSyntaxError;
      }
    })();
    expect(err).toBeInstanceOf(FilterSyntaxError);
    expect(err?.position).toBe(FILTER_MAX_DEPTH);
    const long = `params.a = '${'x'.repeat(FILTER_MAX_LENGTH)}'`;
    expect(() => parseFilter(long)).toThrow(/characters long \(at most 1000000\)/);
    // Messages quote a window around the position, not a megabyte of input.
    const late = `${Array.from({ length: 3000 }, (_, i) => `params.a = '${i}'`).join(' or ')} or params.b ~ 1`;
    const lateErr = (() => {
      try {
        parseFilter(late);
      } catch (e) {
        return e as FilterSyntaxError;
      }
    })();
    expect(lateErr?.position).toBe(late.length - 3);
    expect(lateErr?.message.length).toBeLessThan(400);
    expect(lateErr?.message).toMatch(/^unexpected character "~" at position \d+\n {2}\.\.\..*'2999' or params\.b ~ 1\n +\^$/);
    expect(() => parseOrderBy(`metrics.${'x'.repeat(FILTER_MAX_LENGTH)}`)).toThrow(FilterSyntaxError);
  });

  it('the worst filter the limits allow runs on SQLite as it does in memory', async () => {
    // Nesting at the limit, each level an or-chain of ~100 predicates: balanced chains keep
    // SQLite's expression tree within its depth limit.
    const level = (d: number): string => {
      const chain = Array.from({ length: 99 }, (_, i) => `params.p${d} = '${i}'`).join(' or ');
      return d === 0 ? `(${chain} or metrics.m < 5)` : `(${chain} or not ${level(d - 1)})`;
    };
    const filter = level(FILTER_MAX_DEPTH / 2 - 1);
    expect(() => parseFilter(filter)).not.toThrow();
    const memory = new MemoryStore();
    const sqlite = new SqliteStore(join(dir, 'worst.db'));
    for (const s of [memory, sqlite] as TrackingStore[]) {
      const exp = await s.createExperiment('w');
      for (let i = 0; i < 4; i++) {
        const run = await s.createRun({ experimentId: exp.experimentId, runName: `r${i}`, startTime: i });
        await s.logBatch(run.runId, { metrics: [{ key: 'm', value: i * 2, step: 0, timestamp: 1 }], params: [{ key: 'p0', value: String(i * 50) }] });
      }
    }
    const names = async (s: TrackingStore) => (await s.searchRuns({ filter })).runs.map((r) => r.info.runName);
    expect(await names(sqlite)).toEqual(await names(memory));
    await sqlite.close();
  });

  it('quoting puts any text into a filter and reads back the same value', () => {
    const rng = new Rng(77);
    const alphabet = ["'", '"', '`', '\\', '\\r', 'a', ' ', '%', '_', 'é', '😀', '\n', '(', ')'];
    for (let i = 0; i < 2000; i++) {
      const text = Array.from({ length: rng.int(0, 8) }, () => alphabet[rng.below(alphabet.length)]).join('');
      expect(parseFilter(`params.${quoteFilterKey(text || 'k')} = ${quoteFilterValue(text)}`)).toEqual({
        type: 'compare',
        field: { entity: 'param', key: text || 'k' },
        op: '=',
        value: text,
      });
    }
  });

  it('order-by errors are typed too', () => {
    expect(() => parseOrderBy('metrics.rmse sideways')).toThrow(FilterSyntaxError);
    expect(() => parseOrderBy('')).toThrow(FilterSyntaxError);
  });
});

/** Naive references for the string helpers. */
function likeRegex(value: string, pattern: string, ci: boolean): boolean {
  let re = '';
  const p = Array.from(pattern);
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '\\' && i + 1 < p.length) re += p[++i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (p[i] === '%') re += '.*';
    else if (p[i] === '_') re += '.';
    else re += p[i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'su').test(ci ? value.toLowerCase() : value) || (ci && new RegExp(`^${re.toLowerCase()}$`, 'su').test(value.toLowerCase()));
}

describe('string semantics', () => {
  it('likeMatch agrees with a regex reference on random patterns', () => {
    const rng = new Rng(5);
    const alphabet = ['a', 'b', 'A', '%', '_', '\\', '😀', '.'];
    const pick = (n: number) => Array.from({ length: n }, () => alphabet[rng.below(alphabet.length)]).join('');
    for (let i = 0; i < 3000; i++) {
      const v = pick(rng.int(0, 6)).replaceAll('%', 'x').replaceAll('_', 'y');
      const p = pick(rng.int(0, 5));
      const ci = rng.below(2) === 1;
      expect(likeMatch(v, p, ci), `${v} like ${p}`).toBe(likeRegex(v, ci ? p.toLowerCase() : p, false) || (ci && likeRegex(v.toLowerCase(), p.toLowerCase(), false)));
    }
  });

  it('compareCodePoints orders like UTF-8 bytes', () => {
    const rng = new Rng(9);
    const chars = ['a', 'Z', 'é', '\uffff', '\ue000', '😀', '𝄞', ''];
    for (let i = 0; i < 2000; i++) {
      const a = Array.from({ length: rng.int(0, 3) }, () => chars[rng.below(chars.length)]).join('');
      const b = Array.from({ length: rng.int(0, 3) }, () => chars[rng.below(chars.length)]).join('');
      const ref = Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
      expect(Math.sign(compareCodePoints(a, b)), `${a} vs ${b}`).toBe(ref);
    }
  });
});
