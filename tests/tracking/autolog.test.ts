import { describe, expect, it } from 'vitest';
import { DictVectorizer } from '../../src/features/dict-vectorizer.js';
import { loadPipeline } from '../../src/models/io.js';
import { Ridge } from '../../src/models/linear/estimators.js';
import { mae, mse, r2 } from '../../src/models/metrics/index.js';
import { autolog, trainingMetrics } from '../../src/tracking/adapters/autolog.js';
import { TrackingClient } from '../../src/tracking/index.js';

const frame = {
  nRows: 6,
  columns: {
    city: { kind: 'categorical' as const, codes: Int32Array.from([0, 1, 0, 2, 1, 0]), dictionary: ['Oslo', 'Bergen', 'Tromso'] },
    area: { kind: 'numeric' as const, values: Float64Array.from([50, 70, 65, 40, 90, 55]) },
  },
};
const y = Float64Array.from([500, 560, 640, 300, 700, 530]);

describe('autolog', () => {
  it('records a fit in the active run: all params, MLflow-named training metrics, tags, the pipeline', async () => {
    const client = new TrackingClient('memory:');
    const vectorizer = new DictVectorizer().fit(frame);
    const X = vectorizer.transform(frame);
    const { runId, fitted } = await client.withRun({ experimentName: 'houses', runName: 'ridge' }, async (run) => ({
      runId: run.runId,
      fitted: await autolog(client).fit(new Ridge({ alpha: 0.1 }), X, y, undefined, { vectorizer, frame, target: 'price' }),
    }));
    expect(fitted.runId).toBe(runId);
    const run = await client.getRun(runId);
    expect(run.params).toEqual(Object.fromEntries(Object.entries(new Ridge({ alpha: 0.1 }).params).map(([k, v]) => [k, String(v)])));
    const p = fitted.model.predict(X);
    expect(run.metrics.training_mean_squared_error.value).toBe(mse(y, p));
    expect(run.metrics.training_root_mean_squared_error.value).toBe(Math.sqrt(mse(y, p)));
    expect(run.metrics.training_mean_absolute_error.value).toBe(mae(y, p));
    expect(run.metrics.training_r2_score.value).toBe(r2(y, p));
    expect(run.metrics.training_score.value).toBe(r2(y, p));
    expect([run.tags.estimator_name, run.tags.estimator_class]).toEqual(['Ridge', 'tunekit.models.Ridge']);
    const { bytes, info } = await client.loadModel(`runs:/${runId}/model`);
    expect(info.signature?.inputs).toEqual([
      { name: 'city', type: 'string' },
      { name: 'area', type: 'double' },
    ]);
    expect(info.inputExample).toEqual([
      { city: 'Oslo', area: 50 },
      { city: 'Bergen', area: 70 },
      { city: 'Oslo', area: 65 },
      { city: 'Tromso', area: 40 },
      { city: 'Bergen', area: 90 },
    ]);
    expect((await loadPipeline(bytes)).predict([{ city: 'Oslo', area: 50 }])[0]).toBeCloseTo(p[0], 9);
    await client.close();
  });

  it('bound to a run, and without an active run in a run of its own; two scopes never mix', async () => {
    const client = new TrackingClient('memory:');
    const X = new DictVectorizer().fit(frame).transform(frame);
    const [a, b] = await Promise.all(
      ['a', 'b'].map((name) => client.withRun({ experimentName: 'e', runName: name }, async (run) => (await autolog(run, { logModels: false }).fit(new Ridge(), X, y)).runId)),
    );
    expect(a).not.toBe(b);
    expect((await client.getRun(a)).info.runName).toBe('a');
    const own = await autolog(client, { logModels: false }).fit(new Ridge(), X, y);
    const run = await client.getRun(own.runId);
    expect([run.info.runName, run.info.status]).toEqual(['Ridge', 'FINISHED']);
    await client.close();
  });

  it('names the training metrics as MLflow does', () => {
    expect(Object.keys(trainingMetrics(Float64Array.from([1, 2, 3]), Float64Array.from([1, 2, 4])))).toEqual([
      'training_mean_squared_error',
      'training_root_mean_squared_error',
      'training_mean_absolute_error',
      'training_r2_score',
      'training_score',
    ]);
  });
});
