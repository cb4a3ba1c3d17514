import { readFileSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { ArtifactError } from '../core/errors.js';
import { type ModelArtifact, checkHeader, decodeArtifact, encodeArtifact } from './artifact.js';
import { PIPELINE_KIND, PipelineModel } from './pipeline.js';
import { loadModelArtifact } from './registry.js';
import type { Model, ModelInput } from './types.js';

/**
 * Model files: the artifact's bytes (JSON header + typed arrays, see artifact.ts). Loading parses
 * and copies; it never evaluates code. A source is a file path, the bytes, or an artifact.
 */
export type ModelSource = string | Uint8Array | ModelArtifact;

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
 * or use `loadPipeline`).
 */
export async function loadModel<X = ModelInput>(source: ModelSource): Promise<Model<X>> {
  if (typeof source !== 'string') return loadModelSync<X>(source);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(source);
  } catch (err) {
    throw new ArtifactError(`${source}: cannot read model file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
  }
  return fromArtifact(decodeArtifact(bytes, source)) as Model<X>;
}

/** Synchronous `loadModel`. */
export function loadModelSync<X = ModelInput>(source: ModelSource): Model<X> {
  if (typeof source === 'string') {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(source);
    } catch (err) {
      throw new ArtifactError(`${source}: cannot read model file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
    }
    return fromArtifact(decodeArtifact(bytes, source)) as Model<X>;
  }
  return fromArtifact(source instanceof Uint8Array ? decodeArtifact(source) : source) as Model<X>;
}

/** `loadModel` for a source known to hold a pipeline. */
export async function loadPipeline(source: ModelSource): Promise<PipelineModel> {
  const model = await loadModel<unknown>(source);
  if (!(model instanceof PipelineModel)) throw new ArtifactError(`expected a pipeline artifact, found a '${model.kind}' model`);
  return model;
}

function fromArtifact(artifact: ModelArtifact): Model<ModelInput> | PipelineModel {
  const header = checkHeader(artifact?.header);
  // Pipelines wrap a model of any kind; every other kind is looked up in the model registry.
  return header.kind === PIPELINE_KIND ? PipelineModel.fromArtifact(artifact) : loadModelArtifact(artifact);
}
