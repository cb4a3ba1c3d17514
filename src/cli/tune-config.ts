/**
 * The config of `tunekit tune` (JSON or YAML): the data, the model kind, the search space as data
 * (hyperopt's `hp` distributions written out), the sampler, trials, workers, metric, pruner and
 * registry name. Every value is checked here, and a bad one is a ConfigError naming its path in
 * the config (`space.maxDepth.high`).
 */
import { readFile, stat } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { InvalidParameterError, TunekitError } from '../core/errors.js';
import { CONFIG_MAX_BYTES, YAML_MAX_ALIASES } from '../core/limits.js';
import type { DatasetSpec } from '../data/dataset.js';
import { datasetPresets } from '../datasets/presets.js';
import { metrics } from '../models/metrics/index.js';
import { modelKinds } from '../models/kinds.js';
import { pruners, samplers } from '../tuning/registries.js';
import { type HpParam, type Space, hp } from '../tuning/space.js';
import type { DataRequest } from './data-request.js';

/** A config value that breaks its rule, at a path in the config. */
export class ConfigError extends TunekitError {
  constructor(
    readonly file: string,
    readonly path: string,
    message: string,
  ) {
    super('CONFIG', `${file}: ${path}: ${message}`);
  }
}

export interface TuneConfig {
  readonly data: DataRequest;
  readonly kind: string;
  readonly space: Readonly<Record<string, HpParam<unknown>>>;
  readonly fixed: Readonly<Record<string, unknown>>;
  readonly sampler: string;
  readonly pruner: string;
  readonly trials: number;
  readonly workers: number;
  readonly metric: string;
  readonly seed: number;
  readonly experiment: string;
  readonly register?: { readonly name: string; readonly alias?: string };
}

const KEYS = ['data', 'val', 'valFraction', 'target', 'features', 'categorical', 'exclude', 'preset', 'train', 'dataDir', 'model', 'space', 'fixed', 'sampler', 'pruner', 'trials', 'workers', 'metric', 'seed', 'experiment', 'register'];

/** The distributions of a space, each with the fields it takes. */
const DISTRIBUTIONS: Readonly<Record<string, readonly string[]>> = {
  uniform: ['low', 'high'],
  quniform: ['low', 'high', 'q'],
  loguniform: ['low', 'high'],
  qloguniform: ['low', 'high', 'q'],
  randint: ['low', 'high'],
  normal: ['mu', 'sigma'],
  choice: ['options'],
};

/** Reads a JSON (.json) or YAML (anything else) config. */
export async function readTuneConfig(path: string): Promise<TuneConfig> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (err) {
    throw new ConfigError(path, '(file)', `cannot read the config (${(err as Error).message})`);
  }
  if (size > CONFIG_MAX_BYTES) throw new ConfigError(path, '(file)', `the config is ${size} bytes; at most ${CONFIG_MAX_BYTES} are read`);
  const text = await readFile(path, 'utf8');
  let value: unknown;
  try {
    value = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text, { maxAliasCount: YAML_MAX_ALIASES });
  } catch (err) {
    throw new ConfigError(path, '(file)', `not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
  return parseTuneConfig(value, path);
}

export function parseTuneConfig(value: unknown, file: string): TuneConfig {
  const fail = (path: string, message: string): never => {
    throw new ConfigError(file, path, message);
  };
  if (!isObject(value)) fail('(top)', 'must be a mapping of settings');
  const c = value as Record<string, unknown>;
  for (const key of Object.keys(c)) if (!KEYS.includes(key)) fail(key, `is not a setting (known: ${KEYS.join(', ')})`);
  const str = (key: string, required: boolean): string | undefined => {
    const v = c[key];
    if (v === undefined) return required ? fail(key, 'is required') : undefined;
    return typeof v === 'string' && v !== '' ? v : fail(key, `must be a non-empty string; got ${JSON.stringify(v)}`);
  };
  const list = (key: string): string[] | undefined => {
    const v = c[key];
    if (v === undefined) return undefined;
    const items = typeof v === 'string' ? [v] : v;
    if (!Array.isArray(items) || items.length === 0 || !items.every((x) => typeof x === 'string' && x !== '')) fail(key, 'must be a string or a list of strings');
    return items as string[];
  };
  const int = (key: string, fallback: number, min: number): number => {
    const v = c[key] ?? fallback;
    return typeof v === 'number' && Number.isInteger(v) && v >= min ? v : fail(key, `must be a whole number >= ${min}; got ${JSON.stringify(v)}`);
  };

  const kind = str('model', true)!;
  if (!modelKinds.has(kind)) fail('model', `must be one of ${modelKinds.names().join(', ')}; got ${JSON.stringify(kind)}`);
  if (modelKinds.get(kind).task !== 'regression') fail('model', `'${kind}' is a ${modelKinds.get(kind).task} kind; tunekit tune searches regressors for now`);
  const seed = int('seed', 0, 0);

  let data: DataRequest;
  const preset = str('preset', false);
  if (preset !== undefined) {
    if (!datasetPresets.has(preset)) fail('preset', `must be one of ${datasetPresets.names().join(', ')}; got ${JSON.stringify(preset)}`);
    for (const key of ['data', 'target', 'features', 'categorical', 'exclude', 'valFraction']) if (c[key] !== undefined) fail(key, 'does not go with preset (the preset defines its data)');
    const dataDir = str('dataDir', false);
    data = { preset, train: str('train', true)!, val: str('val', true)!, ...(dataDir !== undefined ? { dataDir } : {}) };
  } else {
    const sources = list('data') ?? fail('data', 'is required (a file, a folder or a list of them; or preset)');
    const target = str('target', true)!;
    const val = list('val');
    const fraction = c.valFraction;
    if (val !== undefined && fraction !== undefined) fail('valFraction', 'does not go with val');
    if (val === undefined && fraction === undefined) fail('val', 'is required (a validation source), or valFraction');
    if (fraction !== undefined && !(typeof fraction === 'number' && fraction > 0 && fraction < 1)) fail('valFraction', `must be a number between 0 and 1 (exclusive); got ${JSON.stringify(fraction)}`);
    const features = list('features');
    const categorical = list('categorical');
    const exclude = list('exclude');
    const spec: DatasetSpec = { target, ...(features ? { features } : {}), ...(categorical ? { categorical } : {}), ...(exclude ? { exclude } : {}) };
    data = { data: sources, spec, seed, ...(val ? { val } : {}), ...(fraction !== undefined ? { valFraction: fraction as number } : {}) };
  }

  const spec = modelKinds.get(kind).paramsSpec;
  if (!isObject(c.space) || Object.keys(c.space as object).length === 0) fail('space', 'must map parameter names to distributions');
  const space: Record<string, HpParam<unknown>> = {};
  for (const [name, d] of Object.entries(c.space as Record<string, unknown>)) {
    if (!Object.hasOwn(spec, name)) fail(`space.${name}`, `'${kind}' has no parameter '${name}' (known: ${Object.keys(spec).join(', ')})`);
    space[name] = distribution(d, `space.${name}`, name, fail);
  }
  const fixed = c.fixed ?? {};
  if (!isObject(fixed)) fail('fixed', 'must map parameter names to values');
  for (const name of Object.keys(fixed as object)) {
    if (!Object.hasOwn(spec, name)) fail(`fixed.${name}`, `'${kind}' has no parameter '${name}'`);
    if (Object.hasOwn(space, name)) fail(`fixed.${name}`, 'is also in space');
  }
  try {
    modelKinds.get(kind).create(fixed as Record<string, unknown>);
  } catch (err) {
    if (err instanceof InvalidParameterError) fail(`fixed.${err.param}`, err.message);
    throw err;
  }

  const sampler = str('sampler', false) ?? 'tpe';
  if (!samplers.has(sampler)) fail('sampler', `must be one of ${samplers.names().join(', ')}; got ${JSON.stringify(sampler)}`);
  const pruner = str('pruner', false) ?? 'none';
  if (!pruners.has(pruner)) fail('pruner', `must be one of ${pruners.names().join(', ')}; got ${JSON.stringify(pruner)}`);
  const metric = str('metric', false) ?? 'rmse';
  if (!metrics.has(metric)) fail('metric', `must be one of ${metrics.names().join(', ')}; got ${JSON.stringify(metric)}`);
  const registerText = str('register', false);
  let register: TuneConfig['register'];
  if (registerText !== undefined) {
    const [name, alias, extra] = registerText.split('@');
    if (name === '' || alias === '' || extra !== undefined) fail('register', `must be NAME or NAME@ALIAS; got ${JSON.stringify(registerText)}`);
    register = alias === undefined ? { name } : { name, alias };
  }
  return {
    data,
    kind,
    space,
    fixed: fixed as Record<string, unknown>,
    sampler,
    pruner,
    trials: int('trials', 20, 1),
    workers: int('workers', 1, 1),
    metric,
    seed,
    experiment: str('experiment', false) ?? `tune-${kind}`,
    ...(register ? { register } : {}),
  };
}

/** One distribution written as data: `{ type: quniform, low: 1, high: 20, q: 1 }`. */
function distribution(d: unknown, path: string, label: string, fail: (path: string, message: string) => never): HpParam<unknown> {
  if (!isObject(d)) return fail(path, `must be a distribution such as { type: uniform, low: 0, high: 1 } (types: ${Object.keys(DISTRIBUTIONS).join(', ')})`);
  const o = d as Record<string, unknown>;
  const type = o.type;
  if (typeof type !== 'string' || !Object.hasOwn(DISTRIBUTIONS, type)) {
    return fail(`${path}.type`, `must be one of ${Object.keys(DISTRIBUTIONS).join(', ')}; got ${JSON.stringify(type)}`);
  }
  const fields = DISTRIBUTIONS[type];
  for (const key of Object.keys(o)) if (key !== 'type' && !fields.includes(key)) fail(`${path}.${key}`, `is not a field of ${type} (fields: ${fields.join(', ')})`);
  const num = (key: string, optional = false): number | undefined => {
    const v = o[key];
    if (v === undefined && optional) return undefined;
    return typeof v === 'number' && Number.isFinite(v) ? v : fail(`${path}.${key}`, `must be a number; got ${JSON.stringify(v)}`);
  };
  try {
    switch (type) {
      case 'uniform':
        return hp.uniform(label, num('low')!, num('high')!);
      case 'quniform':
        return hp.quniform(label, num('low')!, num('high')!, num('q')!);
      case 'loguniform':
        return hp.loguniform(label, num('low')!, num('high')!);
      case 'qloguniform':
        return hp.qloguniform(label, num('low')!, num('high')!, num('q')!);
      case 'randint': {
        const low = num('low', true);
        return low === undefined ? hp.randint(label, num('high')!) : hp.randint(label, low, num('high')!);
      }
      case 'normal':
        return hp.normal(label, num('mu')!, num('sigma')!);
      default: {
        const options = o.options;
        if (!Array.isArray(options) || options.length === 0 || !options.every((x) => x === null || ['string', 'number', 'boolean'].includes(typeof x))) {
          return fail(`${path}.options`, 'must be a non-empty list of numbers, strings, booleans or nulls');
        }
        const choices: readonly Space[] = options as Space[];
        return (hp.choice as (label: string, options: readonly Space[]) => HpParam<unknown>)(label, choices);
      }
    }
  } catch (err) {
    // The distribution's own rule (high >= low, low > 0 on a log scale, ...), at its field.
    if (err instanceof InvalidParameterError) return fail(`${path}.${err.param}`, err.message);
    throw err;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
