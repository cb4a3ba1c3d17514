/** The filter AST shared by the SQL compiler and the in-memory evaluator. */

export type Entity = 'metric' | 'param' | 'tag' | 'attribute';

/** Run attributes a filter or order-by may name, with the kind of literal they compare to. */
export const ATTRIBUTES = {
  run_id: 'string',
  run_name: 'string',
  status: 'string',
  parent_run_id: 'string',
  start_time: 'number',
  end_time: 'number',
} as const;
export type AttributeName = keyof typeof ATTRIBUTES;

export interface Field {
  readonly entity: Entity;
  /** The metric/param/tag key, or the canonical attribute name. */
  readonly key: string;
}

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';
export type Literal = string | number;

export type FilterNode =
  | { readonly type: 'and' | 'or'; readonly items: readonly FilterNode[] }
  | { readonly type: 'not'; readonly item: FilterNode }
  | { readonly type: 'compare'; readonly field: Field; readonly op: CompareOp; readonly value: Literal }
  | { readonly type: 'like'; readonly field: Field; readonly pattern: string; readonly caseInsensitive: boolean; readonly negated: boolean }
  | { readonly type: 'in'; readonly field: Field; readonly values: readonly Literal[]; readonly negated: boolean }
  | { readonly type: 'null'; readonly field: Field; readonly negated: boolean };

export interface OrderTerm {
  readonly field: Field;
  readonly descending: boolean;
}
