import { ArtifactError } from '../core/errors.js';
import type { ParamsSpec } from '../core/params.js';
import { Registry } from '../core/registry.js';
import { type ModelArtifact, checkHeader } from './artifact.js';
import type { Estimator, InputView, Model, ModelInput } from './types.js';

/**
 * A model kind: how to build its estimator from params, which data view it trains on, and how
 * to load its artifact. Every estimator registers one entry in `kinds.ts`; the tuner's workers and
 * `loadModel` look kinds up by name here (no if-chains).
 */
export interface ModelKind {
  readonly kind: string;
  readonly doc: string;
  readonly input: InputView;
  readonly paramsSpec: ParamsSpec;
  create(params?: Readonly<Record<string, unknown>>): Estimator<ModelInput, Model<ModelInput>>;
  load(artifact: ModelArtifact): Model<ModelInput>;
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
