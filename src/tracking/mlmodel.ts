import { parse, stringify } from 'yaml';
import { TunekitError } from '../core/errors.js';

/**
 * The `MLmodel` file written beside a logged model's bytes: MLflow's model metadata format (YAML),
 * with a `tunekit` flavor. MLflow tools see a model at `runs:/<id>/<path>` (so
 * `mlflow.register_model` accepts it); tunekit reads its own record back from the same file.
 */

export type JsonData = string | number | boolean | null | JsonData[] | { [key: string]: JsonData };

/** A column of a model's input or output. */
export interface SignatureColumn {
  readonly name: string;
  /** e.g. 'double', 'long', 'string', 'category'. */
  readonly type: string;
}

export interface ModelSignature {
  readonly inputs: readonly SignatureColumn[];
  readonly outputs?: readonly SignatureColumn[];
}

/** What `logModel` records beside the bytes (`<artifactPath>/MLmodel`). */
export interface LoggedModel {
  readonly uri: string;
  readonly runId: string;
  readonly artifactPath: string;
  readonly size: number;
  readonly sha256: string;
  /** kind/libraryVersion read from a tunekit model artifact header; null for other bytes. */
  readonly kind: string | null;
  readonly libraryVersion: string | null;
  readonly signature: ModelSignature | null;
  readonly inputExample: JsonData | null;
  readonly metadata: Readonly<Record<string, JsonData>>;
  readonly createdAt: number;
}

export const LOGGED_MODEL_FILE = 'model.tkm';
export const MLMODEL_FILE = 'MLmodel';
/** The JSON record earlier versions wrote instead of MLmodel; still read. */
export const LEGACY_MODEL_META_FILE = 'MLmodel.json';

interface TunekitFlavor {
  data: string;
  kind: string | null;
  tunekit_version: string | null;
  sha256: string;
  size: number;
  input_example?: JsonData;
}

/** MLflow's timestamp format: 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC. */
function utcTime(ms: number): string {
  return `${new Date(ms).toISOString().replace('T', ' ').replace('Z', '')}000`;
}

export function encodeMLmodel(info: LoggedModel, modelUuid: string): string {
  const flavor: TunekitFlavor = { data: LOGGED_MODEL_FILE, kind: info.kind, tunekit_version: info.libraryVersion, sha256: info.sha256, size: info.size };
  if (info.inputExample !== null) flavor.input_example = info.inputExample;
  const doc: Record<string, unknown> = {
    artifact_path: info.artifactPath,
    flavors: { tunekit: flavor },
    model_uuid: modelUuid,
    run_id: info.runId,
    utc_time_created: utcTime(info.createdAt),
  };
  // MLflow keeps a signature's column lists as JSON strings inside the YAML.
  if (info.signature) {
    doc.signature = {
      inputs: JSON.stringify(info.signature.inputs.map((c) => ({ type: c.type, name: c.name }))),
      outputs: info.signature.outputs ? JSON.stringify(info.signature.outputs.map((c) => ({ type: c.type, name: c.name }))) : null,
      params: null,
    };
  }
  if (Object.keys(info.metadata).length > 0) doc.metadata = info.metadata;
  return stringify(doc);
}

function columns(text: unknown, where: string): SignatureColumn[] | undefined {
  if (text === null || text === undefined) return undefined;
  const list = typeof text === 'string' ? (JSON.parse(text) as unknown) : text;
  if (!Array.isArray(list)) throw new Error(`${where} is not a list`);
  return list.map((c: { name?: unknown; type?: unknown }) => ({ name: String(c.name), type: String(c.type) }));
}

/** Read tunekit's record back from an MLmodel file; `uri` names the model for errors. */
export function decodeMLmodel(text: string, uri: string): LoggedModel {
  try {
    const doc = parse(text) as Record<string, unknown>;
    const flavor = (doc.flavors as Record<string, unknown> | undefined)?.tunekit as TunekitFlavor | undefined;
    if (!flavor) throw new Error('it has no tunekit flavor');
    const sig = doc.signature as { inputs?: unknown; outputs?: unknown } | undefined;
    const inputs = columns(sig?.inputs, 'signature inputs');
    const outputs = columns(sig?.outputs, 'signature outputs');
    const created = Date.parse(`${String(doc.utc_time_created ?? '').slice(0, 23).replace(' ', 'T')}Z`);
    return Object.freeze({
      uri,
      runId: String(doc.run_id),
      artifactPath: String(doc.artifact_path),
      size: Number(flavor.size),
      sha256: String(flavor.sha256),
      kind: flavor.kind ?? null,
      libraryVersion: flavor.tunekit_version ?? null,
      signature: inputs ? (outputs ? { inputs, outputs } : { inputs }) : null,
      inputExample: flavor.input_example ?? null,
      metadata: (doc.metadata as Record<string, JsonData> | undefined) ?? {},
      createdAt: Number.isFinite(created) ? created : 0,
    });
  } catch (err) {
    throw new TunekitError('ARTIFACT', `model ${uri}: its MLmodel file cannot be read (${(err as Error).message})`, { cause: err });
  }
}
