import { numericValue } from '../validate.js';
import type { CompareOp, Field, FilterNode, Literal, OrderTerm } from './ast.js';
import { compareCodePoints, likeMatch } from './strings.js';

/**
 * Direct evaluation of the filter AST over records in memory: runs of the memory store, and the
 * experiment and registry searches of every store. Semantics match the SQL compiler exactly (the
 * fuzz test compares both): a missing key or a NaN metric satisfies no comparison, LIKE and IN
 * included; `is null` means "not logged".
 */

/** Reads one field of a record: string/number, or undefined when absent. */
export type FieldReader<T> = (record: T, field: Field) => string | number | undefined;

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

export function evaluateFilter<T>(node: FilterNode, record: T, read: FieldReader<T>): boolean {
  switch (node.type) {
    case 'and':
      for (const n of node.items) if (!evaluateFilter(n, record, read)) return false;
      return true;
    case 'or':
      for (const n of node.items) if (evaluateFilter(n, record, read)) return true;
      return false;
    case 'not':
      return !evaluateFilter(node.item, record, read);
    case 'compare': {
      const v = comparable(read(record, node.field), node.value);
      return v !== undefined && applyOp(node.op, compareValues(v, node.value));
    }
    case 'in': {
      const v = comparable(read(record, node.field), node.values[0]);
      if (v === undefined) return false;
      const found = node.values.some((x) => compareValues(v, x) === 0);
      return node.negated ? !found : found;
    }
    case 'like': {
      const raw = read(record, node.field);
      if (typeof raw !== 'string') return false;
      const m = likeMatch(raw, node.pattern, node.caseInsensitive);
      return node.negated ? !m : m;
    }
    case 'null':
      return (read(record, node.field) === undefined) !== node.negated;
  }
}

/**
 * Sort key parts for one order term: missing values last in both directions; params and tags
 * order numeric values (by number) before other strings (by code point); NaN counts as missing.
 */
function orderParts<T>(record: T, f: Field, read: FieldReader<T>): (string | number | null)[] {
  const raw = read(record, f);
  if (f.entity === 'param' || f.entity === 'tag') {
    const s = raw as string | undefined;
    return [s === undefined ? null : numericValue(s), s ?? null];
  }
  if (typeof raw === 'number' && Number.isNaN(raw)) return [null];
  return [raw ?? null];
}

/** Compare two records by the order terms; `tieBreak` orders records equal on every term. */
export function compareRecords<T>(a: T, b: T, order: readonly OrderTerm[], read: FieldReader<T>, tieBreak: (a: T, b: T) => number): number {
  for (const term of order) {
    const pa = orderParts(a, term.field, read);
    const pb = orderParts(b, term.field, read);
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
  return tieBreak(a, b);
}
