import type { CompareOp, Field, FilterNode, Literal, OrderTerm, RunAttribute } from './ast.js';

/**
 * Compile the filter AST to parameterised SQLite over `runs r`. Every key and every value is a
 * bound parameter: the SQL text is built only from the fixed fragments below, so nothing from the
 * filter string ever reaches SQL unparsed.
 *
 * Each metric/param/tag key the filter names is one LEFT JOIN on its (rid, key) primary key (at
 * most one row per run), and predicates compare that row's columns. Correlated EXISTS
 * sub-queries, one per predicate, cost SQLite time that grows faster than the number of
 * predicates (a 300-predicate filter over 3,000 runs took 19 s); joins keep a search linear, and
 * FILTER_MAX_KEYS keeps them within SQLite's 64-table join limit. Every predicate tests that its
 * row is there (`IS NOT NULL`), which keeps the logic two-valued (a missing key is false, never
 * NULL) exactly like the in-memory evaluator. LIKE calls the `tk_like` function the store
 * registers, the same matcher the memory store uses. Long and/or chains compile to balanced
 * trees: SQLite refuses expression trees deeper than 1000.
 */
export interface SqlFragment {
  readonly sql: string;
  readonly params: unknown[];
}

/** A compiled filter: the joins it needs (before WHERE) and its condition. */
export interface CompiledFilter {
  readonly joins: SqlFragment;
  readonly where: SqlFragment;
}

const ATTRIBUTE_COLUMNS: Readonly<Record<RunAttribute, string>> = {
  run_id: 'r.id',
  run_name: 'r.name',
  status: 'r.status',
  parent_run_id: 'r.parent_run_id',
  start_time: 'r.start_time',
  end_time: 'r.end_time',
};

const SQL_OPS: Readonly<Record<CompareOp, string>> = { '=': '=', '!=': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

const ENTITY_TABLES = { metric: 'latest_metrics', param: 'params', tag: 'tags' } as const;

function placeholders(n: number): string {
  return new Array(n).fill('?').join(', ');
}

/** parts[from..to) joined by `op` as a tree of depth O(log n), parenthesised, in order. */
function balanced(parts: readonly string[], from: number, to: number, op: string): string {
  if (to - from <= 4) return `(${parts.slice(from, to).join(op)})`;
  const mid = (from + to) >>> 1;
  return `(${balanced(parts, from, mid, op)}${op}${balanced(parts, mid, to, op)})`;
}

export function compileFilter(node: FilterNode): CompiledFilter {
  const aliases = new Map<string, string>();
  const joinSql: string[] = [];
  const joinParams: unknown[] = [];
  /** The joined row of a metric/param/tag key: one alias per distinct key. */
  const rowOf = (f: Field): string => {
    const id = `${f.entity}\u0000${f.key}`;
    let alias = aliases.get(id);
    if (alias === undefined) {
      alias = `f${aliases.size}`;
      aliases.set(id, alias);
      joinSql.push(`LEFT JOIN ${ENTITY_TABLES[f.entity as keyof typeof ENTITY_TABLES]} ${alias} ON ${alias}.rid = r.rid AND ${alias}.key = ?`);
      joinParams.push(f.key);
    }
    return alias;
  };
  /** The column a predicate reads: an attribute, a metric's value, a param's/tag's text or number. */
  const column = (f: Field, literal?: Literal): string => {
    if (f.entity === 'attribute') return ATTRIBUTE_COLUMNS[f.key as RunAttribute];
    // Unary '+' keeps the planner from driving the search by a filter's index (latest_metrics by
    // value): searches walk runs (or the ordering metric's index) and test each run's rows.
    const alias = rowOf(f);
    return f.entity !== 'metric' && typeof literal === 'number' ? `+${alias}.num` : `+${alias}.value`;
  };
  const params: unknown[] = [];
  const compile = (n: FilterNode): string => {
    switch (n.type) {
      case 'and':
      case 'or': {
        const parts = n.items.map(compile);
        return balanced(parts, 0, parts.length, n.type === 'and' ? ' AND ' : ' OR ');
      }
      case 'not':
        return `(NOT ${compile(n.item)})`;
      case 'compare': {
        const col = column(n.field, n.value);
        params.push(n.value);
        return `(${col} IS NOT NULL AND ${col} ${SQL_OPS[n.op]} ?)`;
      }
      case 'in': {
        const col = column(n.field, n.values[0]);
        params.push(...n.values);
        return `(${col} IS NOT NULL AND ${col} ${n.negated ? 'NOT IN' : 'IN'} (${placeholders(n.values.length)}))`;
      }
      case 'like': {
        const col = column(n.field);
        params.push(n.pattern, n.caseInsensitive ? 1 : 0);
        return `(${col} IS NOT NULL AND ${n.negated ? 'NOT ' : ''}tk_like(${col}, ?, ?))`;
      }
      case 'null': {
        // A metric logged as NaN is stored as a NULL value in a row that exists: present.
        const col = n.field.entity === 'attribute' ? ATTRIBUTE_COLUMNS[n.field.key as RunAttribute] : `${rowOf(n.field)}.rid`;
        return `(${col} IS ${n.negated ? 'NOT ' : ''}NULL)`;
      }
    }
  };
  const where = compile(node);
  return { joins: { sql: joinSql.join(' '), params: joinParams }, where: { sql: where, params } };
}

/** LEFT JOINs and ORDER BY terms for the order-by clauses (missing values last), plus tie-breaks. */
export function compileOrderBy(order: readonly OrderTerm[], firstAlias = 0): { joins: SqlFragment; orderBy: string } {
  const joins: string[] = [];
  const params: unknown[] = [];
  const terms: string[] = [];
  order.forEach((term, index) => {
    const i = index + firstAlias;
    const dir = term.descending ? 'DESC' : 'ASC';
    const f = term.field;
    if (f.entity === 'attribute') {
      const col = ATTRIBUTE_COLUMNS[f.key as RunAttribute];
      terms.push(`${col} IS NULL`, `${col} ${dir}`);
      return;
    }
    const alias = `o${i}`;
    joins.push(`LEFT JOIN ${ENTITY_TABLES[f.entity]} ${alias} ON ${alias}.rid = r.rid AND ${alias}.key = ?`);
    params.push(f.key);
    if (f.entity === 'metric') terms.push(`${alias}.value IS NULL`, `${alias}.value ${dir}`);
    else terms.push(`${alias}.num IS NULL`, `${alias}.num ${dir}`, `${alias}.value IS NULL`, `${alias}.value ${dir}`);
  });
  terms.push('r.start_time DESC', 'r.id ASC');
  return { joins: { sql: joins.join(' '), params }, orderBy: terms.join(', ') };
}
