/**
 * `tunekit tune --config tune.yaml`: a parameter search on any table, recorded as a study (a
 * parent run, a child run per trial, the best params on the parent), the best trial's pipeline
 * (vectorizer + model) logged on its run and registered when the config names a model.
 */
import { TunekitError } from '../core/errors.js';
import { numericTarget } from '../data/dataset.js';
import { DictVectorizer } from '../features/dict-vectorizer.js';
import { loadModel, modelToBytes } from '../models/io.js';
import { PipelineModel } from '../models/pipeline.js';
import type { RegressionModel } from '../models/types.js';
import { autolog, frameRecords } from '../tracking/adapters/autolog.js';
import { modelSearch } from '../tuning/model-search.js';
import { createStudy } from '../tuning/study.js';
import { type Command, UsageError, stringOption } from './command.js';
import { loadRequestedSplits } from './data-request.js';
import { jsonText, num, table } from './format.js';
import { ConfigError, type TuneConfig, readTuneConfig } from './tune-config.js';

const HELP = `Usage: tunekit tune --config FILE [--json]

Search the params of one model kind on a table with a sampler (TPE by default) on worker
threads, and record it as a study: a parent run, a child run per trial, the best params on the
parent (best_<param>); the best trial's model (fitted features + model) is logged on its run and,
with 'register', registered.

The config (YAML, or JSON for a .json file):
  data: trips/            # a file, a folder or a list (or preset: nyc-taxi, train: 2021-01, val: 2021-02)
  val: trips-val.csv      # or valFraction: 0.2
  target: duration
  features: [a, b]        # optional, as categorical, exclude
  model: random_forest
  space:                  # the distributions of hyperopt's hp, as data
    maxDepth: { type: quniform, low: 2, high: 20, q: 1 }
    minSamplesLeaf: { type: randint, low: 1, high: 5 }
    maxFeatures: { type: uniform, low: 0.3, high: 1 }
    # also: loguniform (low, high), qloguniform (low, high, q), normal (mu, sigma), choice (options)
  fixed: { nEstimators: 50 }
  sampler: tpe            # tpe, random
  pruner: none            # none, median, successive-halving
  trials: 20
  workers: 2
  metric: rmse
  seed: 0
  experiment: my-search
  register: my-model@champion

A value that breaks its rule is refused with its path in the config (exit code 2).
Exit codes: 0 done and recorded, 1 the search failed, 2 bad usage or config.`;

export const tuneCommand: Command = {
  name: 'tune',
  summary: 'search a model kind’s params on a table (a tracked study, the best registered)',
  help: HELP,
  options: { config: { type: 'string' } },
  async run(ctx) {
    if (ctx.args.length > 0) throw new UsageError(`unexpected argument '${ctx.args[0]}'`);
    const path = stringOption(ctx, 'config');
    if (path === undefined) throw new UsageError('--config FILE is required');
    let config: TuneConfig;
    try {
      config = await readTuneConfig(path);
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(err.message);
      throw err;
    }
    const splits = await loadRequestedSplits(config.data);
    const validation = splits.validation!;
    const vectorizer = new DictVectorizer().fit(splits.train.frame);
    const data = {
      train: { X: vectorizer.transform(splits.train.frame), columns: vectorizer.transformColumns(splits.train.frame), y: numericTarget(splits.train) },
      val: { X: vectorizer.transform(validation.frame), columns: vectorizer.transformColumns(validation.frame), y: numericTarget(validation) },
    };
    const client = await ctx.client({ mustExist: false });
    const study = createStudy({ name: `${config.kind}-search`, sampler: config.sampler, pruner: config.pruner, seed: config.seed, window: Math.max(4, config.workers) });
    const tracker = await autolog(client).study(study, { experiment: config.experiment, runName: `${config.kind} search`, valueKey: config.metric, logBestModel: false });
    const search = modelSearch({ kind: config.kind, data, space: config.space, fixed: config.fixed, metric: config.metric });
    let result: Awaited<ReturnType<typeof study.optimize>>;
    try {
      result = await study.optimize(search, { nTrials: config.trials, nWorkers: config.workers });
    } finally {
      await search.close();
    }
    const best = result.bestTrial;
    const bytes = search.bestModel?.bytes;
    if (!best || best.value === null || bytes === undefined) {
      throw new TunekitError('SEARCH_FAILED', `no trial finished (${result.trials.map((t) => t.reason ?? t.state).join('; ')})`);
    }
    // The best trial's model with the fitted features, on the best trial's run.
    const runId = tracker.runIds.get(best.number) ?? tracker.parentRunId;
    const model = (await loadModel(bytes)) as RegressionModel;
    const pipeline = new PipelineModel(vectorizer, model);
    const frame = splits.train.frame;
    const logged = await client.logModel(runId, modelToBytes(pipeline), {
      signature: {
        inputs: Object.keys(frame.columns).map((name) => ({ name, type: frame.columns[name].kind === 'categorical' ? 'string' : 'double' })),
        outputs: [{ name: splits.train.target, type: 'double' }],
      },
      inputExample: frameRecords(frame, 5),
    });
    let registered: { name: string; version: number; alias?: string; uri: string } | undefined;
    if (config.register) {
      const version = await client.registerModel(logged.uri, config.register.name, config.register.alias ? { alias: config.register.alias } : {});
      registered = { name: config.register.name, version: version.version, ...(config.register.alias ? { alias: config.register.alias } : {}), uri: `models:/${config.register.name}/${version.version}` };
    }
    const summary = {
      experiment: config.experiment,
      parentRunId: tracker.parentRunId,
      kind: config.kind,
      trials: result.trials.length,
      complete: result.trials.filter((t) => t.state === 'COMPLETE').length,
      metric: config.metric,
      best: { trial: best.number, value: best.value, params: { ...config.fixed, ...search.paramsOf(best.number) }, runId },
      data: { train: { source: splits.source.train, rows: splits.train.nRows }, validation: { source: splits.source.validation, rows: validation.nRows } },
      model: { uri: logged.uri, ...(registered ? { registered } : {}) },
    };
    if (ctx.json) {
      ctx.io.out(jsonText(summary));
      return 0;
    }
    const lines = [
      `searched ${config.kind}: ${summary.complete} of ${summary.trials} trials complete on ${splits.train.nRows.toLocaleString('en-US')} rows`,
      `best trial ${best.number}: ${config.metric} ${num(best.value)}`,
      table(
        ['PARAM', 'VALUE'],
        Object.entries(summary.best.params).map(([k, v]) => [k, String(v)]),
      ).trimEnd(),
      `study run ${tracker.parentRunId} (experiment '${config.experiment}')`,
      `best run  ${runId}`,
      `model     ${logged.uri}`,
    ];
    if (registered) lines.push(`registered ${registered.uri}${registered.alias ? ` (alias ${registered.alias})` : ''}`);
    ctx.io.out(`${lines.join('\n')}\n`);
    return 0;
  },
};
