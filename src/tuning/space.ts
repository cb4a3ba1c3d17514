import { InvalidParameterError } from '../core/errors.js';
import type { ParamValue, ParamsSpec } from '../core/params.js';
import { type Distribution, type ParamPrimitive, checkDistribution, snapToStep } from './distributions.js';

/**
 * Declarative search spaces in the style of hyperopt's `hp`: a space is any nesting of plain
 * objects, arrays, constants and `hp.*` nodes. `ValueOf<typeof space>` is the params type a trial
 * gets. Unlike hyperopt, a choice yields its value (never its index), integer ranges yield
 * integers, and log-scale bounds are given as values (`hp.loguniform('lr', 1e-3, 1)`), not logs.
 */
export class HpParam<V> {
  /** Phantom field carrying the value type; never set. */
  declare readonly __value?: V;
  constructor(
    readonly label: string,
    readonly distribution: Distribution,
    /** For a choice of sub-spaces: the options (the distribution then ranges over their indices). */
    readonly options?: readonly Space[],
  ) {}
}

export type Space = HpParam<unknown> | ParamPrimitive | readonly Space[] | { readonly [key: string]: Space };

export type ValueOf<S> = S extends HpParam<infer V>
  ? V
  : S extends readonly unknown[]
    ? { -readonly [K in keyof S]: ValueOf<S[K]> }
    : S extends object
      ? { -readonly [K in keyof S]: ValueOf<S[K]> }
      : S;

function param<V>(owner: string, label: string, d: Distribution, options?: readonly Space[]): HpParam<V> {
  if (typeof label !== 'string' || label === '') throw new InvalidParameterError(owner, 'label', label, 'must be a non-empty string');
  return new HpParam<V>(label, checkDistribution(owner, label, d), options);
}

function isPrimitive(x: unknown): x is ParamPrimitive {
  return x === null || typeof x === 'number' || typeof x === 'string' || typeof x === 'boolean';
}

/** An integer range with step q when low and q are integers (so values stay integers). */
function quantised(owner: string, label: string, low: number, high: number, q: number, log: boolean): HpParam<number> {
  if (!(q > 0) || !Number.isFinite(q)) throw new InvalidParameterError(`${owner}('${label}')`, 'q', q, 'must be a finite number > 0');
  if (Number.isInteger(low) && Number.isInteger(q) && Number.isFinite(high) && high >= low) {
    const top = snapToStep(high, low, high, q);
    return param(owner, label, { type: 'int', low, high: top, step: q, ...(log ? { log: true } : {}) });
  }
  return param(owner, label, { type: 'float', low, high, step: q, ...(log ? { log: true } : {}) });
}

export const hp = {
  /** One of `options`; options may be constants or whole sub-spaces (conditional parameters). */
  choice<const O extends readonly Space[]>(label: string, options: O): HpParam<ValueOf<O[number]>> {
    if (!Array.isArray(options) || options.length === 0) {
      throw new InvalidParameterError(`hp.choice('${label}')`, 'options', options, 'must be a non-empty array');
    }
    const opts: readonly Space[] = options;
    if (opts.every(isPrimitive)) return param('hp.choice', label, { type: 'categorical', choices: [...(opts as ParamPrimitive[])] });
    return param('hp.choice', label, { type: 'categorical', choices: opts.map((_, i) => i) }, opts);
  },
  /** Uniform float in [low, high]. */
  uniform(label: string, low: number, high: number): HpParam<number> {
    return param('hp.uniform', label, { type: 'float', low, high });
  },
  /** low + k * q within [low, high]; integers when low and q are integers. */
  quniform(label: string, low: number, high: number, q: number): HpParam<number> {
    return quantised('hp.quniform', label, low, high, q, false);
  },
  /** Log-uniform float in [low, high] (bounds are values, not logs). */
  loguniform(label: string, low: number, high: number): HpParam<number> {
    return param('hp.loguniform', label, { type: 'float', low, high, log: true });
  },
  /** Log-uniform, then quantised to multiples of q from low; integers when low and q are. */
  qloguniform(label: string, low: number, high: number, q: number): HpParam<number> {
    return quantised('hp.qloguniform', label, low, high, q, true);
  },
  /** Integer in [0, upper) or, with two bounds, in [low, upper) (upper exclusive, as in hyperopt). */
  randint(label: string, lowOrUpper: number, upper?: number): HpParam<number> {
    const low = upper === undefined ? 0 : lowOrUpper;
    const high = (upper === undefined ? lowOrUpper : upper) - 1;
    return param('hp.randint', label, { type: 'int', low, high });
  },
  /** Normal with mean mu and standard deviation sigma (unbounded). */
  normal(label: string, mu: number, sigma: number): HpParam<number> {
    return param('hp.normal', label, { type: 'normal', mu, sigma });
  },
};

/** The value of `space` when each parameter `label` takes the value `suggest(label, d)`. */
export function sampleSpace<S extends Space>(space: S, suggest: (label: string, d: Distribution) => ParamPrimitive): ValueOf<S> {
  return walk(space, suggest) as ValueOf<S>;
}

function walk(node: Space, suggest: (label: string, d: Distribution) => ParamPrimitive): unknown {
  if (node instanceof HpParam) {
    const v = suggest(node.label, node.distribution);
    return node.options ? walk(node.options[v as number], suggest) : v;
  }
  if (isPrimitive(node)) return node;
  if (Array.isArray(node)) return node.map((n) => walk(n, suggest));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = walk(v as Space, suggest);
  return out;
}

/** Every parameter that can appear in `space` (all branches), by label. */
export function spaceParams(space: Space): Map<string, Distribution> {
  const out = new Map<string, Distribution>();
  const visit = (node: Space): void => {
    if (node instanceof HpParam) {
      out.set(node.label, node.distribution);
      node.options?.forEach(visit);
    } else if (Array.isArray(node)) node.forEach(visit);
    else if (!isPrimitive(node)) for (const v of Object.values(node)) visit(v as Space);
  };
  visit(space);
  return out;
}

export type SpaceOfParams<S extends ParamsSpec> = { readonly [K in keyof S]?: HpParam<ParamValue<S[K]>> };

/**
 * An estimator's default search space: one `hp` node per parameter whose spec has a `search`
 * range (ints step by 1, `log` ranges sample on a log scale, bool/enum search their choices).
 */
export function spaceFromParams<S extends ParamsSpec>(spec: S, only?: readonly (keyof S & string)[]): SpaceOfParams<S> {
  const out: Record<string, HpParam<unknown>> = {};
  for (const [name, def] of Object.entries(spec)) {
    if (only && !only.includes(name)) continue;
    const s = def.search;
    if (s === undefined) continue;
    if ('choices' in s) {
      out[name] = hp.choice(name, s.choices as readonly ParamPrimitive[]);
    } else if (def.type === 'int') {
      out[name] = param('spaceFromParams', name, { type: 'int', low: s.low, high: s.high, ...(s.log ? { log: true } : {}) });
    } else {
      out[name] = param('spaceFromParams', name, {
        type: 'float',
        low: s.low,
        high: s.high,
        ...(s.log ? { log: true } : {}),
        ...(s.step !== undefined ? { step: s.step } : {}),
      });
    }
  }
  return out as SpaceOfParams<S>;
}
