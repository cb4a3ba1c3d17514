import { rename, rm, writeFile } from 'node:fs/promises';
import { ArtifactError } from '../core/errors.js';
import { type FileProblem, readBoundedFile, readBoundedFileSync } from '../core/files.js';
import { MODEL_FILE_MAX_BYTES } from '../core/limits.js';
import { type ModelArtifact, checkHeader, decodeArtifact, encodeArtifact, loadReadingEveryArray } from './artifact.js';
import { ClassifierPipelineModel, PIPELINE_KIND, PipelineModel, pipelineFromArtifact } from './pipeline.js';
import { loadModelArtifact } from './registry.js';
import type { Model, ModelInput } from './types.js';

/**
 * Model files: the artifact's bytes (JSON header + typed arrays, see artifact.ts). Loading parses
 * and copies; it never evaluates code. A source is a file path, the bytes, or an artifact.
 */
export type ModelSource = string | Uint8Array | ModelArtifact;

export interface LoadModelOptions {
  /** Largest model file read from a path, in bytes (default MODEL_FILE_MAX_BYTES, 1 GiB). */
  readonly maxBytes?: number;
}

/** Serialise any model (or pipeline) to bytes. */
export function modelToBytes(model: { toArtifact(): ModelArtifact }): Uint8Array {
  return encodeArtifact(model.toArtifact());
}

/** Write a model file (atomically: a temporary file renamed into place). */
export async function saveModel(model: { toArtifact(): ModelArtifact }, path: string): Promise<void> {
  const bytes = modelToBytes(model);
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new ArtifactError(`${path}: cannot write model file (${(err as Error).message})`, { cause: err });
  }
}

/**
 * Load a model (any registered kind, or a pipeline) from a file path, bytes or an artifact. `X` is
 * the input the caller will predict on (a matrix or column view; `PipelineInput` for a pipeline,
 * or use `loadPipeline`). A path must name a regular file of at most `maxBytes`; FIFOs, devices and
 * folders are refused before anything is read.
 */
export async function loadModel<X = ModelInput>(source: ModelSource, options: LoadModelOptions = {}): Promise<Model<X>> {
  if (typeof source !== 'string') return loadModelSync<X>(source);
  const bytes = await readBoundedFile(source, maxBytesOf(options), (p) => fileError(source, p));
  return fromArtifact(decodeArtifact(bytes, source)) as Model<X>;
}

/** Synchronous `loadModel`. */
export function loadModelSync<X = ModelInput>(source: ModelSource, options: LoadModelOptions = {}): Model<X> {
  if (typeof source === 'string') {
    const bytes = readBoundedFileSync(source, maxBytesOf(options), (p) => fileError(source, p));
    return fromArtifact(decodeArtifact(bytes, source)) as Model<X>;
  }
  return fromArtifact(source instanceof Uint8Array ? decodeArtifact(source) : source) as Model<X>;
}

function maxBytesOf(options: LoadModelOptions): number {
  const max = options.maxBytes ?? MODEL_FILE_MAX_BYTES;
  if (!Number.isSafeInteger(max) || max < 0) throw new ArtifactError(`loadModel: maxBytes must be a non-negative integer; got ${String(max)}`);
  return max;
}

function fileError(path: string, problem: FileProblem): ArtifactError {
  const hint = problem.kind === 'too-large' ? ' (raise it with the maxBytes option)' : '';
  return new ArtifactError(`${path}: cannot read model file (${problem.detail})${hint}`, { cause: problem.cause });
}

/** `loadModel` for a source known to hold a regression pipeline. */
export async function loadPipeline(source: ModelSource, options: LoadModelOptions = {}): Promise<PipelineModel> {
  const model = await loadModel<unknown>(source, options);
  if (model instanceof ClassifierPipelineModel) {
    throw new ArtifactError(`the pipeline holds a classifier ('${model.model.kind}'); load it with loadClassifierPipeline (or loadModel and check task)`);
  }
  if (!(model instanceof PipelineModel)) throw new ArtifactError(`expected a pipeline artifact, found a '${model.kind}' model`);
  return model;
}

/** `loadModel` for a source known to hold a classifier pipeline (labels and probabilities from raw input). */
export async function loadClassifierPipeline(source: ModelSource, options: LoadModelOptions = {}): Promise<ClassifierPipelineModel> {
  const model = await loadModel<unknown>(source, options);
  if (model instanceof PipelineModel) throw new ArtifactError(`the pipeline holds a regressor ('${model.model.kind}'); load it with loadPipeline`);
  if (!(model instanceof ClassifierPipelineModel)) throw new ArtifactError(`expected a pipeline artifact, found a '${model.kind}' model`);
  return model;
}

function fromArtifact(artifact: ModelArtifact): Model<ModelInput> | PipelineModel | ClassifierPipelineModel {
  const header = checkHeader(artifact?.header);
  // Pipelines wrap a model of any kind; every other kind is looked up in the model registry.
  return header.kind === PIPELINE_KIND ? pipelineFromArtifact(artifact) : loadReadingEveryArray(artifact, loadModelArtifact);
}
