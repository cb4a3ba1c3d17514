import type { AttributeName, CompareOp, Field, FilterNode, Literal, OrderTerm } from './ast.js';

/**
 * Compile the filter AST to a parameterised SQLite WHERE clause over `runs r`. Every key and
 * every value is a bound parameter: the SQL text is built only from the fixed fragments below,
 * so nothing from the filter string ever reaches SQL unparsed.
 *
 * Metric/param/tag predicates are EXISTS sub-queries on (rid, key) primary keys, which keeps the
 * logic two-valued (a missing key is false, never NULL) exactly like the in-memory evaluator.
 * LIKE calls the `tk_like` function the store registers, the same matcher the memory store uses.
 */
export interface SqlFragment {
  readonly sql: string;
  readonly params: unknown[];
}

const ATTRIBUTE_COLUMNS: Readonly<Record<AttributeName, string>> = {
  run_id: 'r.id',
  run_name: 'r.name',
  status: 'r.status',
  parent_run_id: 'r.parent_run_id',
  start_time: 'r.start_time',
  end_time: 'r.end_time',
};

const SQL_OPS: Readonly<Record<CompareOp, string>> = { '=': '=', '!=': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };

const ENTITY_TABLES = { metric: 'latest_metrics', param: 'params', tag: 'tags' } as const;

/** The column a literal compares with: metrics' value; params'/tags' text, or their number shadow. */
function valueColumn(f: Field, literal: Literal): string {
  if (f.entity === 'metric') return 'x.value';
  return typeof literal === 'number' ? 'x.num' : 'x.value';
}

function placeholders(n: number): string {
  return new Array(n).fill('?').join(', ');
}

/** Wrap a condition on `x.*` (the entity row for key `?`) in an EXISTS sub-query. */
function exists(f: Field, condition: string | null, params: unknown[]): SqlFragment {
  const table = ENTITY_TABLES[f.entity as keyof typeof ENTITY_TABLES];
  const sql = `EXISTS (SELECT 1 FROM ${table} x WHERE x.rid = r.rid AND x.key = ?${condition ? ` AND ${condition}` : ''})`;
  return { sql, params: [f.key, ...params] };
}

export function compileFilter(node: FilterNode): SqlFragment {
  switch (node.type) {
    case 'and':
    case 'or': {
      const parts = node.items.map(compileFilter);
      return { sql: `(${parts.map((p) => p.sql).join(node.type === 'and' ? ' AND ' : ' OR ')})`, params: parts.flatMap((p) => p.params) };
    }
    case 'not': {
      const inner = compileFilter(node.item);
      return { sql: `(NOT ${inner.sql})`, params: inner.params };
    }
    case 'compare': {
      const op = SQL_OPS[node.op];
      if (node.field.entity === 'attribute') {
        const col = ATTRIBUTE_COLUMNS[node.field.key as AttributeName];
        return { sql: `(${col} IS NOT NULL AND ${col} ${op} ?)`, params: [node.value] };
      }
      return exists(node.field, `${valueColumn(node.field, node.value)} ${op} ?`, [node.value]);
    }
    case 'in': {
      const list = `${node.negated ? 'NOT IN' : 'IN'} (${placeholders(node.values.length)})`;
      if (node.field.entity === 'attribute') {
        const col = ATTRIBUTE_COLUMNS[node.field.key as AttributeName];
        return { sql: `(${col} IS NOT NULL AND ${col} ${list})`, params: [...node.values] };
      }
      const col = valueColumn(node.field, node.values[0]);
      return exists(node.field, `${col} IS NOT NULL AND ${col} ${list}`, [...node.values]);
    }
    case 'like': {
      const call = `${node.negated ? 'NOT ' : ''}tk_like(%COL%, ?, ?)`;
      const args = [node.pattern, node.caseInsensitive ? 1 : 0];
      if (node.field.entity === 'attribute') {
        const col = ATTRIBUTE_COLUMNS[node.field.key as AttributeName];
        return { sql: `(${col} IS NOT NULL AND ${call.replace('%COL%', col)})`, params: args };
      }
      return exists(node.field, call.replace('%COL%', 'x.value'), args);
    }
    case 'null': {
      if (node.field.entity === 'attribute') {
        const col = ATTRIBUTE_COLUMNS[node.field.key as AttributeName];
        return { sql: `(${col} IS ${node.negated ? 'NOT ' : ''}NULL)`, params: [] };
      }
      const e = exists(node.field, null, []);
      return node.negated ? e : { sql: `(NOT ${e.sql})`, params: e.params };
    }
  }
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
      const col = ATTRIBUTE_COLUMNS[f.key as AttributeName];
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
