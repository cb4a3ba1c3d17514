/** The filter AST shared by the SQL compiler and the in-memory evaluator. */
import { MODEL_STAGES, RUN_STATUSES } from '../types.js';

export type Entity = 'metric' | 'param' | 'tag' | 'attribute';
export type ValueKind = 'string' | 'number';

/**
 * What a search over one kind of record may name: which of metrics/params/tags it has, and its
 * attributes with the kind of literal each compares to. One parser serves every search.
 */
export interface SearchFields {
  /** 'run', 'experiment', ... (for messages). */
  readonly what: string;
  /** Entities besides attributes. */
  readonly entities: readonly Exclude<Entity, 'attribute'>[];
  readonly attributes: Readonly<Record<string, ValueKind>>;
  /** Other spellings of attributes (MLflow's names), mapped to the canonical one. */
  readonly synonyms?: Readonly<Record<string, string>>;
  /** Attributes that take one of a fixed set of values. */
  readonly values?: Readonly<Record<string, readonly string[]>>;
}

/** Run attributes a filter or order-by may name. */
export const RUN_ATTRIBUTES = {
  run_id: 'string',
  run_name: 'string',
  status: 'string',
  parent_run_id: 'string',
  start_time: 'number',
  end_time: 'number',
} as const;
export type RunAttribute = keyof typeof RUN_ATTRIBUTES;

export const RUN_FIELDS: SearchFields = {
  what: 'run',
  entities: ['metric', 'param', 'tag'],
  attributes: RUN_ATTRIBUTES,
  synonyms: { created: 'start_time' },
  values: { status: RUN_STATUSES },
};

export const EXPERIMENT_FIELDS: SearchFields = {
  what: 'experiment',
  entities: ['tag'],
  attributes: { experiment_id: 'string', name: 'string', creation_time: 'number', last_update_time: 'number' },
};

export const REGISTERED_MODEL_FIELDS: SearchFields = {
  what: 'registered model',
  entities: ['tag'],
  attributes: { name: 'string', creation_timestamp: 'number', last_updated_timestamp: 'number' },
};

export const MODEL_VERSION_FIELDS: SearchFields = {
  what: 'model version',
  entities: ['tag'],
  attributes: {
    name: 'string',
    version: 'number',
    run_id: 'string',
    source: 'string',
    current_stage: 'string',
    creation_timestamp: 'number',
    last_updated_timestamp: 'number',
  },
  synonyms: { version_number: 'version', source_path: 'source' },
  values: { current_stage: MODEL_STAGES },
};

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
