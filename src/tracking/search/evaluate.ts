import type { RunInfo } from '../types.js';
import { numericValue } from '../validate.js';
import type { AttributeName, CompareOp, Field, FilterNode, Literal, OrderTerm } from './ast.js';
import { compareCodePoints, likeMatch } from './strings.js';

/**
 * Direct evaluation of the filter AST for the in-memory store. Semantics match the SQL compiler
 * exactly (the fuzz test compares both): a missing key or a NaN metric satisfies no comparison,
 * LIKE and IN included; `is null` means "not logged".
 */
export interface RunView {
  readonly info: RunInfo;
  readonly params: ReadonlyMap<string, string>;
  readonly tags: ReadonlyMap<string, string>;
  /** Latest value per metric key. */
  readonly metrics: ReadonlyMap<string, number>;
}

function attributeValue(info: RunInfo, key: AttributeName): string | number | null {
  switch (key) {
    case 'run_id':
      return info.runId;
    case 'run_name':
      return info.runName;
    case 'status':
      return info.status;
    case 'parent_run_id':
      return info.parentRunId;
    case 'start_time':
      return info.startTime;
    case 'end_time':
      return info.endTime;
  }
}

/** The raw value of a field: string/number, or undefined when absent (NaN metrics count as present). */
function rawValue(run: RunView, f: Field): string | number | undefined {
  switch (f.entity) {
    case 'metric':
      return run.metrics.get(f.key);
    case 'param':
      return run.params.get(f.key);
    case 'tag':
      return run.tags.get(f.key);
    case 'attribute':
      return attributeValue(run.info, f.key as AttributeName) ?? undefined;
  }
}

/** The value to compare with a literal of the given type, or undefined when nothing can match. */
function comparable(raw: string | number | undefined, literal: Literal): string | number | undefined {
  if (raw === undefined) return undefined;
  if (typeof literal === 'number') {
    const n = typeof raw === 'number' ? raw : numericValue(raw);
    return n === null || Number.isNaN(n) ? undefined : n;
  }
  return typeof raw === 'string' ? raw : undefined;
}

function compareValues(a: string | number, b: string | number): number {
  if (typeof a === 'number') return a < (b as number) ? -1 : a > (b as number) ? 1 : 0;
  return compareCodePoints(a, b as string);
}

function applyOp(op: CompareOp, c: number): boolean {
  switch (op) {
    case '=':
      return c === 0;
    case '!=':
      return c !== 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
  }
}

export function evaluateFilter(node: FilterNode, run: RunView): boolean {
  switch (node.type) {
    case 'and':
      return node.items.every((n) => evaluateFilter(n, run));
    case 'or':
      return node.items.some((n) => evaluateFilter(n, run));
    case 'not':
      return !evaluateFilter(node.item, run);
    case 'compare': {
      const v = comparable(rawValue(run, node.field), node.value);
      return v !== undefined && applyOp(node.op, compareValues(v, node.value));
    }
    case 'in': {
      const v = comparable(rawValue(run, node.field), node.values[0]);
      if (v === undefined) return false;
      const found = node.values.some((x) => compareValues(v, x) === 0);
      return node.negated ? !found : found;
    }
    case 'like': {
      const raw = rawValue(run, node.field);
      if (typeof raw !== 'string') return false;
      const m = likeMatch(raw, node.pattern, node.caseInsensitive);
      return node.negated ? !m : m;
    }
    case 'null':
      return (rawValue(run, node.field) === undefined) !== node.negated;
  }
}

/**
 * Sort key parts for one order term: missing values last in both directions; params and tags
 * order numeric values (by number) before other strings (by code point); NaN metrics count as
 * missing. Ties fall back to start_time descending, then run id.
 */
function orderParts(run: RunView, f: Field): (string | number | null)[] {
  const raw = rawValue(run, f);
  if (f.entity === 'param' || f.entity === 'tag') {
    const s = raw as string | undefined;
    return [s === undefined ? null : numericValue(s), s ?? null];
  }
  if (typeof raw === 'number' && Number.isNaN(raw)) return [null];
  return [raw ?? null];
}

export function compareRuns(a: RunView, b: RunView, order: readonly OrderTerm[]): number {
  for (const term of order) {
    const pa = orderParts(a, term.field);
    const pb = orderParts(b, term.field);
    for (let i = 0; i < pa.length; i++) {
      const x = pa[i];
      const y = pb[i];
      if (x === null || y === null) {
        if (x !== y) return x === null ? 1 : -1;
        continue;
      }
      const c = compareValues(x, y);
      if (c !== 0) return term.descending ? -c : c;
    }
  }
  if (a.info.startTime !== b.info.startTime) return b.info.startTime - a.info.startTime;
  return a.info.runId < b.info.runId ? -1 : a.info.runId > b.info.runId ? 1 : 0;
}
