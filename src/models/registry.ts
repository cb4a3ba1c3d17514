import { ArtifactError } from '../core/errors.js';
import type { ParamsSpec } from '../core/params.js';
import { Registry } from '../core/registry.js';
import { type ModelArtifact, checkHeader } from './artifact.js';
import type { ClassificationModel, Estimator, InputView, Model, ModelInput, Params, RegressionModel, Task } from './types.js';

/**
 * A model kind: how to build its estimator from params, which data view it trains on, and how
 * to load its artifact. Every estimator registers one entry in `kinds.ts`; the tuner's workers and
 * `loadModel` look kinds up by name here (no if-chains).
 */
export type ModelKind = RegressionKind | ClassificationKind;

interface KindBase {
  readonly kind: string;
  /** What its models predict: values (regression) or labels and probabilities (classification). */
  readonly task: Task;
  readonly doc: string;
  readonly input: InputView;
  readonly paramsSpec: ParamsSpec;
  /**
   * Load what a synchronous `fit` of these params needs and loads asynchronously (TensorFlow.js
   * for the neural kinds), once per thread; whoever fits a kind by name awaits it first.
   */
  prepare?(params: Params): Promise<void>;
}

export interface RegressionKind extends KindBase {
  readonly task: 'regression';
  /** The estimator of these params (validated against `paramsSpec`; bad ones throw a typed error). */
  create(params?: Params): Estimator<Params, ModelInput, RegressionModel<ModelInput>>;
  load(artifact: ModelArtifact): RegressionModel<ModelInput>;
}

export interface ClassificationKind extends KindBase {
  readonly task: 'classification';
  /** The estimator of these params (validated against `paramsSpec`; bad ones throw a typed error). */
  create(params?: Params): Estimator<Params, ModelInput, ClassificationModel<ModelInput>>;
  load(artifact: ModelArtifact): ClassificationModel<ModelInput>;
}

export const modelKinds = new Registry<ModelKind>('model kind');

/** Turn an artifact back into a model of its kind. */
export function loadModelArtifact(artifact: ModelArtifact): Model<ModelInput> {
  const header = checkHeader(artifact?.header);
  if (!modelKinds.has(header.kind)) {
    throw new ArtifactError(`artifact holds unknown model kind '${header.kind}' (known: ${modelKinds.names().join(', ')})`);
  }
  return modelKinds.get(header.kind).load(artifact);
}
