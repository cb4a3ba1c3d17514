/**
 * The README's API tour as one program: every ```ts block of the README is a region of this file
 * (a test checks they match), so the snippets type-check and run.
 *   npx tsx examples/tour/tour.ts [workdir]
 * It writes two small generated taxi months and a tracking database into `workdir` (default: a
 * temporary folder).
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeForestWorkers } from '../../src/index.js';
import { writeTaxiParquet } from '../../src/datasets/index.js';

const workdir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'tunekit-tour-'));
mkdirSync(workdir, { recursive: true });
process.chdir(workdir);
await writeTaxiParquet('green_tripdata_2021-01.parquet', { month: '2021-01', rows: 20_000, seed: 1 });
await writeTaxiParquet('green_tripdata_2021-02.parquet', { month: '2021-02', rows: 20_000, seed: 2 });

// #region data
import { DictVectorizer } from 'tunekit';
import { readTaxiTrips, taxiFeatures } from 'tunekit/datasets';

const jan = await readTaxiTrips('green_tripdata_2021-01.parquet'); // duration in minutes, 1..60 kept
const feb = await readTaxiTrips('green_tripdata_2021-02.parquet');
const janFrame = taxiFeatures(jan); // PU_DO = PU + '_' + DO (categorical), trip_distance
const febFrame = taxiFeatures(feb);

const vectorizer = new DictVectorizer().fit(janFrame); // scikit-learn's DictVectorizer semantics
const train = { X: vectorizer.transform(janFrame), columns: vectorizer.transformColumns(janFrame), y: jan.duration };
const val = { X: vectorizer.transform(febFrame), columns: vectorizer.transformColumns(febFrame), y: feb.duration };
// X: CsrMatrix (one-hot, for linear models); columns: PU_DO codes + trip_distance (for trees)
// #endregion data

// #region fit
import { GradientBoostingRegressor, LinearRegression, RandomForestRegressor, rmse } from 'tunekit';

const lr = new LinearRegression().fit(train.X, train.y); // exact least squares (minimum norm)
console.log('linear', rmse(val.y, lr.predict(val.X)));

const rf = new RandomForestRegressor({ maxDepth: 10, nEstimators: 100, seed: 0 }).fit(train.columns, train.y);
console.log('forest', rmse(val.y, rf.predict(val.columns)));

const gb = new GradientBoostingRegressor({ maxDepth: 8, learningRate: 0.1, nEstimators: 500, earlyStoppingRounds: 20 }).fit(
  train.columns,
  train.y,
  { validation: { X: val.columns, y: val.y } }, // early stopping; predict uses the best round
);
console.log('boosting', rmse(val.y, gb.predict(val.columns)), gb.featureImportances()[0]);
// #endregion fit

// #region fitoutput
import type { FitOutput } from 'tunekit';

const output: FitOutput = {};
const forest = new RandomForestRegressor({ nEstimators: 40, maxDepth: 20 }).fit(train.columns, train.y, {
  validation: { X: val.columns, y: val.y },
  onIteration: (r) => r.metrics.rmse > 6.5, // false stops the fit (pruning)
  output,
});
// output.validationPrediction equals forest.predict(val.columns) bit for bit
// (boosting with early stopping: the best round's predictions).
// #endregion fitoutput
const direct = forest.predict(val.columns);
console.log('fit output equals predict', output.validationPrediction?.every((v, i) => v === direct[i]));

// #region save
import { Pipeline, loadModel, loadPipeline, saveModel } from 'tunekit';

await saveModel(rf, 'forest.tkm'); // JSON header + typed arrays; loading never evaluates code
const again = await loadModel('forest.tkm');
console.log('same predictions', again.predict(val.columns)[0] === rf.predict(val.columns)[0]);

// Vectorizer + model in one artifact, predicting from raw records (or an Arrow table).
const pipeline = new Pipeline(new LinearRegression()).fit(janFrame, jan.duration);
await saveModel(pipeline, 'duration.tkm');
const served = await loadPipeline('duration.tkm');
console.log(served.predict([{ PU_DO: '43_151', trip_distance: 1.2 }]));
// #endregion save

// #region tune
import { ModelSearch, Study, hp } from 'tunekit';

const space = {
  maxDepth: hp.quniform('maxDepth', 1, 20, 1), // integers stay integers
  nEstimators: hp.quniform('nEstimators', 10, 50, 1),
  minSamplesSplit: hp.quniform('minSamplesSplit', 2, 10, 1),
  minSamplesLeaf: hp.quniform('minSamplesLeaf', 1, 4, 1),
};
const study = new Study({ name: 'rf-homework', seed: 42, sampler: 'tpe' });
// The data goes to shared memory once; each trial ships only its params to a worker thread.
const search = new ModelSearch({ kind: 'random_forest', data: { train, val }, space, metric: 'rmse' });
const result = await study.optimize(search, { nTrials: 6, nWorkers: 2 }); // same trials for 1 or 2 workers
console.log('best', result.bestTrial?.value, result.bestTrial?.params);
// #endregion tune

// #region definebyrun
import { TrialPruned } from 'tunekit';

const quadratic = new Study({ seed: 1, direction: 'minimize', pruner: 'median' });
await quadratic.optimize(
  (trial) => {
    const x = trial.suggestFloat('x', -5, 5);
    const n = trial.suggestInt('n', 1, 9, { step: 2 });
    const shape = trial.suggestCategorical('shape', ['bowl', 'ridge']);
    const loss = (x - 1) ** 2 + n + (shape === 'ridge' ? 1 : 0);
    for (let step = 0; step < 10; step++) {
      trial.report(loss + 1 / (step + 1), step); // a learning curve for the pruner
      if (trial.shouldPrune()) throw new TrialPruned();
    }
    return loss;
  },
  { nTrials: 30 },
);
console.log('define-by-run best', quadratic.bestTrial?.params);
// #endregion definebyrun

// #region track
import { TrackingClient, modelToBytes, trackStudy } from 'tunekit';

const client = new TrackingClient('sqlite:tunekit.db'); // one file, no server
const tracked = new Study({ name: 'rf-tracked', seed: 7 });
await trackStudy(client, tracked, { experiment: 'nyc-taxi', valueKey: 'val_rmse' }); // study = parent run, trial = child run
await tracked.optimize(new ModelSearch({ kind: 'random_forest', data: { train, val }, space }), { nTrials: 4, nWorkers: 2 });

await client.withRun({ experimentName: 'nyc-taxi', runName: 'linear' }, async (run) => {
  await run.logParams({ model: 'LinearRegression' });
  await run.logMetric('val_rmse', rmse(val.y, lr.predict(val.X)));
  await run.logModel(modelToBytes(pipeline)); // the pipeline artifact: predicts from raw records
});
// #endregion track

// #region search
const { runs } = await client.searchRuns({
  experimentNames: ['nyc-taxi'],
  filter: "metrics.val_rmse < 12 and (params.model = 'LinearRegression' or tags.`tunekit.trial.state` = 'COMPLETE')",
  orderBy: ['metrics.val_rmse asc'],
  maxResults: 3,
});
for (const r of runs) console.log(r.info.runName, r.metrics.val_rmse.value);
// #endregion search

// #region register
const { version } = await client.registerBestRun({ experiment: 'nyc-taxi', metric: 'val_rmse', mode: 'min', name: 'taxi-duration', alias: 'champion' });
console.log('registered version', version.version);
const champion = await loadModel(await client.loadModelBytes('models:/taxi-duration@champion'));
console.log('champion kind', champion.kind);
await client.close();
// #endregion register

await closeForestWorkers();
