import { InvalidParameterError } from './errors.js';

/**
 * One parameter spec per estimator (or sampler, pruner, ...): defaults, validation with clear
 * messages, docs, and the default search range the tuner uses. The params type is inferred from
 * the spec with `ParamsOf<typeof spec>`.
 */
export interface NumberSearch {
  low: number;
  high: number;
  /** Sample on a log scale. */
  log?: boolean;
  /** Quantisation step (floats only; ints always step by 1). */
  step?: number;
}

interface BaseParam {
  doc: string;
  /** Extra check after the type/range check; return a message ("must ...") when invalid. */
  check?: (value: never) => string | undefined;
}
export interface IntParam extends BaseParam {
  type: 'int';
  default: number | null;
  min?: number;
  max?: number;
  /** Allow null (e.g. maxDepth: null = unlimited). */
  nullable?: boolean;
  search?: NumberSearch;
}
export interface FloatParam extends BaseParam {
  type: 'float';
  default: number | null;
  min?: number;
  max?: number;
  /** min/max are exclusive bounds when set. */
  exclusiveMin?: boolean;
  exclusiveMax?: boolean;
  nullable?: boolean;
  search?: NumberSearch;
}
export interface BoolParam extends BaseParam {
  type: 'bool';
  default: boolean;
  search?: { choices: readonly boolean[] };
}
export interface EnumParam<V extends string = string> extends BaseParam {
  type: 'enum';
  values: readonly V[];
  default: V;
  search?: { choices: readonly V[] };
}
/**
 * A structured value (e.g. a map of class weights): plain JSON, checked by `check`. Declare its
 * type through the default: `default: null as Readonly<Record<string, number>> | 'balanced' | null`.
 */
export interface JsonParam<T = unknown> extends BaseParam {
  type: 'json';
  default: T;
  check: (value: never) => string | undefined;
  search?: never;
}
export type ParamDef = IntParam | FloatParam | BoolParam | EnumParam | JsonParam;
export type ParamsSpec = Readonly<Record<string, ParamDef>>;

export type ParamValue<D> = D extends { type: 'json'; default: infer T }
  ? T
  : D extends { type: 'bool' }
  ? boolean
  : D extends { type: 'enum'; values: readonly (infer V)[] }
    ? V
    : D extends { nullable: true }
      ? number | null
      : number;

export type ParamsOf<S extends ParamsSpec> = { readonly [K in keyof S]: ParamValue<S[K]> };

/** Identity helper that keeps literal types (`as const` semantics) for a spec. */
export function defineParams<const S extends ParamsSpec>(spec: S): S {
  return spec;
}

/** The defaults of a spec. */
export function defaultParams<S extends ParamsSpec>(spec: S): ParamsOf<S> {
  const out: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(spec)) out[name] = def.default;
  return Object.freeze(out) as ParamsOf<S>;
}

/**
 * Merge `input` over the defaults and validate every value. Unknown names, wrong types,
 * non-integers for int params and out-of-range values throw InvalidParameterError naming
 * `owner`, the parameter and the value. The result is frozen.
 */
export function resolveParams<S extends ParamsSpec>(
  owner: string,
  spec: S,
  input: Partial<Record<keyof S, unknown>> | Record<string, unknown> = {},
): ParamsOf<S> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(input)) {
    // Own keys only: `toString` or `constructor` are on every object's prototype, not in the spec.
    if (!Object.hasOwn(spec, name)) {
      throw new InvalidParameterError(owner, name, (input as Record<string, unknown>)[name], `is not a parameter (known: ${Object.keys(spec).join(', ')})`);
    }
  }
  for (const [name, def] of Object.entries(spec)) {
    const raw = Object.hasOwn(input, name) ? (input as Record<string, unknown>)[name] : undefined;
    const value = raw === undefined ? def.default : raw;
    checkParam(owner, name, def, value);
    out[name] = value;
  }
  return Object.freeze(out) as ParamsOf<S>;
}

export function checkParam(owner: string, name: string, def: ParamDef, value: unknown): void {
  const fail = (expected: string): never => {
    throw new InvalidParameterError(owner, name, value, expected);
  };
  switch (def.type) {
    case 'bool':
      if (typeof value !== 'boolean') fail('must be a boolean');
      break;
    case 'enum':
      if (typeof value !== 'string' || !def.values.includes(value)) fail(`must be one of ${def.values.map((v) => `'${v}'`).join(', ')}`);
      break;
    case 'json':
      if (!isPlainJson(value)) fail('must be plain JSON (a string, number, boolean, null, array or object of those)');
      break;
    case 'int':
    case 'float': {
      if (value === null) {
        if (!def.nullable) fail(`must be a number${def.type === 'int' ? ' (integer)' : ''}, not null`);
        break;
      }
      if (typeof value !== 'number' || !Number.isFinite(value)) fail('must be a finite number');
      const v = value as number;
      if (def.type === 'int' && !Number.isInteger(v)) fail('must be an integer');
      if (def.min !== undefined) {
        const exclusive = def.type === 'float' && def.exclusiveMin;
        if (exclusive ? v <= def.min : v < def.min) fail(`must be ${exclusive ? '>' : '>='} ${def.min}`);
      }
      if (def.max !== undefined) {
        const exclusive = def.type === 'float' && def.exclusiveMax;
        if (exclusive ? v >= def.max : v > def.max) fail(`must be ${exclusive ? '<' : '<='} ${def.max}`);
      }
      break;
    }
  }
  if (def.check && value !== null) {
    const problem = (def.check as (v: unknown) => string | undefined)(value);
    if (problem) fail(problem);
  }
}

function isPlainJson(value: unknown, depth = 0): boolean {
  if (depth > 32) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((v) => isPlainJson(v, depth + 1));
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  return Object.values(value as Record<string, unknown>).every((v) => isPlainJson(v, depth + 1));
}
