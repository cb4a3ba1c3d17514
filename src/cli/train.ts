/**
 * `tunekit train`: one tracked run on any table. The data is a file, folder or list read by
 * readTable (or a preset's splits); the features are fitted with DictVectorizer on the training
 * split; the model kind comes from the kinds registry with its params given as name=value. The fit
 * goes through autolog (params with defaults, training metrics, tags, the pipeline of vectorizer
 * and model as the run's model); the command adds the validation metrics (val_rmse, val_mae,
 * val_r2). --register makes the model a version of a registered model.
 */
import { InvalidParameterError, TunekitError } from '../core/errors.js';
import type { ParamDef } from '../core/params.js';
import { type Dataset, type DatasetSpec, numericTarget } from '../data/dataset.js';
import { datasetPresets } from '../datasets/presets.js';
import { DictVectorizer, type FittedDictVectorizer } from '../features/dict-vectorizer.js';
import { modelKinds } from '../models/kinds.js';
import { mae, r2, rmse } from '../models/metrics/index.js';
import type { ModelKind } from '../models/registry.js';
import type { ModelInput } from '../models/types.js';
import { autolog } from '../tracking/adapters/autolog.js';
import { type Command, type CommandContext, UsageError, listOption, stringOption } from './command.js';
import { type DataRequest, type LoadedSplits, loadRequestedSplits } from './data-request.js';
import { jsonText, num, table } from './format.js';

const HELP = `Usage: tunekit train --data PATH [--val PATH | --val-fraction F] --target COL --model KIND
                     [--features a,b] [--categorical c,d] [--exclude e,f] [--param NAME=VALUE]...
                     [--experiment NAME] [--run-name NAME] [--register NAME[@ALIAS]] [--seed N] [--json]
       tunekit train --preset NAME --train SPLIT --val SPLIT --model KIND [...]

Train one model on a table and record it as a run (autolog): every param, training metrics
(training_root_mean_squared_error, ...), validation metrics (val_rmse, val_mae, val_r2) and the
model (the fitted features + model, loadable with loadPipeline or 'models:/' URIs).

Data:
  --data PATH          a CSV, Parquet or Arrow file, a folder of them, or several --data
  --val PATH           validation data read the same way (its columns typed as --data's)
  --val-fraction F     else a seeded random fraction of --data for validation (0 < F < 1)
  --target COL         the column to predict
  --features a,b       feature columns (default: all but the target, --exclude and timestamps)
  --categorical c,d    numeric columns to treat as categories (ids, codes)
  --exclude e,f        columns never used as features (ids)
  --preset NAME        a named dataset instead (nyc-taxi): --train and --val name its splits
                       (months such as 2021-01, or files); --data-dir DIR holds its files
Model:
  --model KIND         KINDS
  --param NAME=VALUE   a parameter of the kind (repeatable), checked against its spec
  --seed N             seed of --val-fraction's split (default 0)
Tracking:
  --experiment NAME    experiment of the run (default 'Default')
  --run-name NAME      name of the run (default: the kind)
  --register NAME[@ALIAS]  register the model as a new version of NAME (and point ALIAS at it)

Exit codes: 0 trained and recorded, 1 the run failed (bad data, a failed fit), 2 bad usage.`;

export const trainCommand: Command = {
  name: 'train',
  summary: 'train one model on a CSV/Parquet/Arrow table and record the run',
  get help() {
    return HELP.replace('KINDS', `one of ${modelKinds.names().join(', ')}`);
  },
  options: {
    data: { type: 'string', multiple: true },
    val: { type: 'string', multiple: true },
    'val-fraction': { type: 'string' },
    target: { type: 'string' },
    features: { type: 'string' },
    categorical: { type: 'string' },
    exclude: { type: 'string' },
    preset: { type: 'string' },
    train: { type: 'string', multiple: true },
    'data-dir': { type: 'string' },
    model: { type: 'string' },
    param: { type: 'string', multiple: true },
    seed: { type: 'string' },
    experiment: { type: 'string', multiple: true },
    'run-name': { type: 'string' },
    register: { type: 'string' },
  },
  async run(ctx) {
    if (ctx.args.length > 0) throw new UsageError(`unexpected argument '${ctx.args[0]}'`);
    const request = parseRequest(ctx);
    const splits = await loadRequestedSplits(request.data);
    const result = await trainAndRecord(ctx, request, splits);
    printResult(ctx, result);
    return 0;
  },
};

interface TrainRequest {
  readonly kind: ModelKind;
  readonly params: Readonly<Record<string, unknown>>;
  readonly data: DataRequest;
  readonly experiment: string;
  readonly runName: string;
  readonly register?: { readonly name: string; readonly alias?: string };
}

function single(ctx: CommandContext, name: string): string | undefined {
  const values = listOption(ctx, name);
  if (values === undefined) return stringOption(ctx, name);
  if (values.length > 1) throw new UsageError(`--${name} is given ${values.length} times; give it once`);
  return values[0];
}

function columnList(ctx: CommandContext, name: string): string[] | undefined {
  const text = stringOption(ctx, name);
  if (text === undefined) return undefined;
  const list = text.split(',').map((s) => s.trim());
  if (list.some((s) => s === '')) throw new UsageError(`--${name} must be a comma-separated list of column names; got ${JSON.stringify(text)}`);
  return list;
}

function parseRequest(ctx: CommandContext): TrainRequest {
  const kindName = stringOption(ctx, 'model');
  if (kindName === undefined) throw new UsageError(`--model is required (one of ${modelKinds.names().join(', ')})`);
  if (!modelKinds.has(kindName)) throw new UsageError(`--model must be one of ${modelKinds.names().join(', ')}; got ${JSON.stringify(kindName)}`);
  const kind = modelKinds.get(kindName);
  if (kind.task !== 'regression') throw new UsageError(`--model ${kindName} is a ${kind.task} kind; tunekit train fits regressors for now`);
  const params = parseParams(kind, listOption(ctx, 'param') ?? []);
  const seedText = stringOption(ctx, 'seed');
  const seed = seedText === undefined ? 0 : Number(seedText);
  if (!Number.isInteger(seed) || seed < 0) throw new UsageError(`--seed must be a whole number >= 0; got ${JSON.stringify(seedText)}`);
  const experiment = single(ctx, 'experiment') ?? 'Default';
  const runName = stringOption(ctx, 'run-name') ?? kindName;
  const registerText = stringOption(ctx, 'register');
  let register: TrainRequest['register'];
  if (registerText !== undefined) {
    const [name, alias, extra] = registerText.split('@');
    if (name === '' || extra !== undefined || alias === '') throw new UsageError(`--register must be NAME or NAME@ALIAS; got ${JSON.stringify(registerText)}`);
    register = alias === undefined ? { name } : { name, alias };
  }
  const base = { kind, params, experiment, runName, ...(register ? { register } : {}) };

  const presetName = stringOption(ctx, 'preset');
  if (presetName !== undefined) {
    if (!datasetPresets.has(presetName)) throw new UsageError(`--preset must be one of ${datasetPresets.names().join(', ')}; got ${JSON.stringify(presetName)}`);
    for (const conflicting of ['data', 'target', 'features', 'categorical', 'exclude', 'val-fraction']) {
      if (ctx.options[conflicting] !== undefined) throw new UsageError(`--${conflicting} does not go with --preset (the preset defines its data)`);
    }
    const train = single(ctx, 'train');
    const val = single(ctx, 'val');
    if (train === undefined || val === undefined) throw new UsageError('--preset needs --train and --val (e.g. --train 2021-01 --val 2021-02)');
    const dataDir = stringOption(ctx, 'data-dir');
    return { ...base, data: { preset: presetName, train, val, ...(dataDir !== undefined ? { dataDir } : {}) } };
  }
  if (ctx.options.train !== undefined) throw new UsageError('--train goes with --preset; give the table with --data');
  const data = listOption(ctx, 'data');
  if (data === undefined) throw new UsageError('--data is required (a file, a folder, or --preset NAME)');
  const target = stringOption(ctx, 'target');
  if (target === undefined) throw new UsageError('--target is required (the column to predict)');
  const val = listOption(ctx, 'val');
  const fractionText = stringOption(ctx, 'val-fraction');
  if (val !== undefined && fractionText !== undefined) throw new UsageError('give --val or --val-fraction, not both');
  if (val === undefined && fractionText === undefined) throw new UsageError('validation data is required: --val PATH or --val-fraction F');
  let valFraction: number | undefined;
  if (fractionText !== undefined) {
    valFraction = Number(fractionText);
    if (fractionText.trim() === '' || !(valFraction > 0 && valFraction < 1)) throw new UsageError(`--val-fraction must be a number between 0 and 1 (exclusive); got ${JSON.stringify(fractionText)}`);
  }
  const features = columnList(ctx, 'features');
  const categorical = columnList(ctx, 'categorical');
  const exclude = columnList(ctx, 'exclude');
  const spec: DatasetSpec = {
    target,
    ...(features ? { features } : {}),
    ...(categorical ? { categorical } : {}),
    ...(exclude ? { exclude } : {}),
  };
  return { ...base, data: { data, spec, seed, ...(val ? { val } : {}), ...(valFraction !== undefined ? { valFraction } : {}) } };
}

/** `--param name=value` pairs read by the kind's params spec (a bad one names the rule). */
export function parseParams(kind: ModelKind, pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param must be NAME=VALUE; got ${JSON.stringify(pair)}`);
    const name = pair.slice(0, eq);
    const text = pair.slice(eq + 1);
    const def: ParamDef | undefined = Object.hasOwn(kind.paramsSpec, name) ? kind.paramsSpec[name] : undefined;
    if (def === undefined) throw new UsageError(`--param ${name}: '${kind.kind}' has no parameter '${name}' (known: ${Object.keys(kind.paramsSpec).join(', ')})`);
    out[name] = paramValue(def, text);
  }
  try {
    kind.create(out);
  } catch (err) {
    if (err instanceof InvalidParameterError) throw new UsageError(`--param ${err.param}: ${err.message}`);
    throw err;
  }
  return out;
}

/** A parameter's text as its spec's type (the spec then checks the value). */
function paramValue(def: ParamDef, text: string): unknown {
  if (def.type === 'bool') return text === 'true' ? true : text === 'false' ? false : text;
  if (def.type === 'enum') return text;
  if ((text === 'null' || text === 'none' || text === 'None') && 'nullable' in def && def.nullable) return null;
  const n = Number(text);
  return text.trim() === '' || Number.isNaN(n) ? text : n;
}

export interface TrainResult {
  readonly runId: string;
  readonly experiment: string;
  readonly kind: string;
  readonly data: { readonly train: { source: string; rows: number }; readonly validation: { source: string; rows: number }; readonly features: readonly string[]; readonly encodedFeatures: number };
  readonly metrics: Readonly<Record<string, number>>;
  readonly fitSeconds: number;
  readonly model: { readonly uri: string; readonly registered?: { name: string; version: number; alias?: string; uri: string } };
}

function viewOf(kind: ModelKind, vectorizer: FittedDictVectorizer, ds: Dataset): ModelInput {
  return kind.input === 'matrix' ? vectorizer.transform(ds.frame) : vectorizer.transformColumns(ds.frame);
}

async function trainAndRecord(ctx: CommandContext, request: TrainRequest, splits: LoadedSplits): Promise<TrainResult> {
  const { kind } = request;
  if (kind.task !== 'regression') throw new TunekitError('UNSUPPORTED', `'${kind.kind}' is not a regression kind`);
  const validation = splits.validation!;
  const yTrain = numericTarget(splits.train);
  const yVal = numericTarget(validation);
  const vectorizer = new DictVectorizer().fit(splits.train.frame);
  const estimator = kind.create(request.params);
  const client = await ctx.client({ mustExist: false });
  const experiment = await client.getOrCreateExperiment(request.experiment);
  return client.withRun({ experimentId: experiment.experimentId, runName: request.runName, parentRunId: null, tags: { 'tunekit.command': 'train' } }, async (run) => {
    const xVal = viewOf(kind, vectorizer, validation);
    // Autolog records the params (defaults included), training metrics, tags and the pipeline.
    const fitted = await autolog(run).fit(estimator, viewOf(kind, vectorizer, splits.train), yTrain, { validation: { X: xVal, y: yVal } }, {
      vectorizer,
      frame: splits.train.frame,
      target: splits.train.target,
    });
    const { fitSeconds } = fitted;
    const predicted = fitted.model.predict(xVal);
    const metrics = { rmse: rmse(yVal, predicted), mae: mae(yVal, predicted), r2: r2(yVal, predicted) };
    await run.logBatch({
      metrics: [...Object.entries(metrics).map(([key, value]) => ({ key: `val_${key}`, value })), { key: 'fit_seconds', value: fitSeconds }],
      tags: { 'tunekit.data.train': splits.source.train, 'tunekit.data.validation': splits.source.validation },
    });
    const uri = `runs:/${run.runId}/model`;
    let registered: TrainResult['model']['registered'];
    if (request.register) {
      const version = await client.registerModel(uri, request.register.name, request.register.alias ? { alias: request.register.alias } : {});
      registered = { name: request.register.name, version: version.version, ...(request.register.alias ? { alias: request.register.alias } : {}), uri: `models:/${request.register.name}/${version.version}` };
    }
    return {
      runId: run.runId,
      experiment: request.experiment,
      kind: kind.kind,
      data: {
        train: { source: splits.source.train, rows: splits.train.nRows },
        validation: { source: splits.source.validation, rows: validation.nRows },
        features: splits.train.features,
        encodedFeatures: vectorizer.nFeatures,
      },
      metrics,
      fitSeconds,
      model: { uri, ...(registered ? { registered } : {}) },
    };
  });
}

function printResult(ctx: CommandContext, r: TrainResult): void {
  if (ctx.json) {
    ctx.io.out(jsonText(r));
    return;
  }
  const lines = [
    `trained ${r.kind} on ${r.data.train.rows.toLocaleString('en-US')} rows (${r.data.features.length} columns, ${r.data.encodedFeatures.toLocaleString('en-US')} features) in ${r.fitSeconds.toFixed(2)} s`,
    `validation: ${r.data.validation.rows.toLocaleString('en-US')} rows`,
    table(
      ['METRIC', 'VALUE'],
      Object.entries(r.metrics).map(([k, v]) => [k, num(v)]),
    ).trimEnd(),
    `run       ${r.runId} (experiment '${r.experiment}')`,
    `model     ${r.model.uri}`,
  ];
  if (r.model.registered) lines.push(`registered ${r.model.registered.uri}${r.model.registered.alias ? ` (alias ${r.model.registered.alias})` : ''}`);
  ctx.io.out(`${lines.join('\n')}\n`);
}
