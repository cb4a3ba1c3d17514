import * as arrow from 'apache-arrow/Arrow';
import { ArtifactError, InvalidInputError, describeValue } from '../core/errors.js';
import type { TypedArray } from '../core/typed.js';
import { DictVectorizer, type DictVectorizerParams, FittedDictVectorizer } from '../features/dict-vectorizer.js';
import type { FeatureFrame, FeatureRecord, FrameColumn } from '../features/frame.js';
import { type JsonValue, type ModelArtifact, checkHeader, loadReadingEveryArray, makeHeader } from './artifact.js';
import { modelKinds } from './kinds.js';
import { loadModelArtifact } from './registry.js';
import type { ClassificationModel, Estimator, FitOptions, InputView, Labels, Model, ModelInput, Params, RegressionModel, TargetOf } from './types.js';

/**
 * A fitted vectorizer and a fitted model of any kind, saved as one artifact. It predicts straight
 * from raw input: records (`[{ PU_DO: '43_151', trip_distance: 1.2 }]`), a FeatureFrame, or an
 * Arrow table with one column per input key. The model's kind decides the view it is given
 * (`input`: 'matrix' -> `vectorizer.transform`, 'columns' -> `vectorizer.transformColumns`).
 * A regressor makes a `PipelineModel`, a classifier a `ClassifierPipelineModel` (labels and
 * probabilities); both save as the same artifact kind, told apart by the model inside.
 */
export type PipelineInput = readonly FeatureRecord[] | FeatureFrame | arrow.Table;

export const PIPELINE_KIND = 'pipeline';
const MODEL_ARRAY_PREFIX = 'model/';

/** What both pipelines share: the vectorizer, the model's view of raw input, the artifact. */
abstract class FittedPipeline<M extends Model<ModelInput>> {
  readonly kind = PIPELINE_KIND;
  readonly params: Readonly<Record<string, unknown>>;
  readonly input: InputView;
  readonly model: M;

  protected constructor(
    readonly vectorizer: FittedDictVectorizer,
    model: Model<ModelInput>,
    task: M['task'],
  ) {
    if (model.task !== task) throw new InvalidInputError(`pipeline: the '${model.kind}' model is a ${model.task} model; this pipeline holds a ${task} model`);
    this.model = model as M;
    this.input = modelKinds.get(model.kind).input;
    this.params = Object.freeze({ model: model.kind });
    if (this.input === 'matrix' && model.nFeatures !== vectorizer.nFeatures) {
      throw new InvalidInputError(`pipeline: the '${model.kind}' model has ${model.nFeatures} features but the vectorizer makes ${vectorizer.nFeatures}`);
    }
  }

  get nFeatures(): number {
    return this.model.nFeatures;
  }

  get featureNames(): readonly string[] {
    return this.vectorizer.featureNames;
  }

  /**
   * The model's view of raw input. Records are checked first against what the vectorizer was
   * fitted on (see `checkRecords`).
   */
  transform(input: PipelineInput): ModelInput {
    if (Array.isArray(input)) checkRecords(input, this.vectorizer);
    const frame = arrow.isArrowTable(input) ? tableToFrame(input, this.vectorizer) : input;
    return this.input === 'matrix' ? this.vectorizer.transform(frame) : this.vectorizer.transformColumns(frame);
  }

  toArtifact(): ModelArtifact {
    const inner = this.model.toArtifact();
    const arrays: Record<string, TypedArray> = {};
    for (const [name, a] of Object.entries(inner.arrays)) arrays[MODEL_ARRAY_PREFIX + name] = a;
    const state: Record<string, JsonValue> = {
      input: this.input,
      vectorizer: this.vectorizer.toJSON() as unknown as JsonValue,
      model: inner.header as unknown as JsonValue,
    };
    return { header: makeHeader(PIPELINE_KIND, this.params, state), arrays };
  }
}

/** A vectorizer and a regressor. */
export class PipelineModel extends FittedPipeline<RegressionModel<ModelInput>> implements RegressionModel<PipelineInput> {
  readonly task = 'regression';

  constructor(vectorizer: FittedDictVectorizer, model: Model<ModelInput>) {
    super(vectorizer, model, 'regression');
  }

  predict(input: PipelineInput): Float64Array {
    return this.model.predict(this.transform(input));
  }

  /** A regression pipeline from its artifact (one holding a classifier is refused: see `pipelineFromArtifact`). */
  static fromArtifact(artifact: ModelArtifact): PipelineModel {
    const pipeline = pipelineFromArtifact(artifact);
    if (!(pipeline instanceof PipelineModel)) throw new ArtifactError(`pipeline artifact holds a classifier ('${pipeline.model.kind}'); load it with loadClassifierPipeline or loadModel`);
    return pipeline;
  }
}

/** A vectorizer and a classifier: labels (in the type the classifier was fitted on) and probabilities from raw input. */
export class ClassifierPipelineModel extends FittedPipeline<ClassificationModel<ModelInput>> implements ClassificationModel<PipelineInput> {
  readonly task = 'classification';

  constructor(vectorizer: FittedDictVectorizer, model: Model<ModelInput>) {
    super(vectorizer, model, 'classification');
  }

  get classes(): Labels {
    return this.model.classes;
  }

  predict(input: PipelineInput): Labels {
    return this.model.predict(this.transform(input));
  }

  predictProba(input: PipelineInput): Float64Array {
    return this.model.predictProba(this.transform(input));
  }
}

/** The pipeline of a vectorizer and a fitted model, by the model's task. */
export function pipelineOf(vectorizer: FittedDictVectorizer, model: Model<ModelInput>): PipelineModel | ClassifierPipelineModel {
  return model.task === 'classification' ? new ClassifierPipelineModel(vectorizer, model) : new PipelineModel(vectorizer, model);
}

/** Read a pipeline artifact: a `PipelineModel` or a `ClassifierPipelineModel`, by the model inside. */
export function pipelineFromArtifact(artifact: ModelArtifact): PipelineModel | ClassifierPipelineModel {
  const header = checkHeader(artifact?.header, PIPELINE_KIND);
  const { vectorizer, model } = header.state as Record<string, unknown>;
  if (typeof model !== 'object' || model === null) throw new ArtifactError('pipeline artifact has no model header');
  const arrays: Record<string, TypedArray> = Object.create(null);
  for (const [name, a] of Object.entries(artifact.arrays)) {
    // Every array of a pipeline is its model's; the vectorizer lives in the header.
    if (!name.startsWith(MODEL_ARRAY_PREFIX)) throw new ArtifactError(`pipeline artifact holds array '${name}', which is not its model's`);
    arrays[name.slice(MODEL_ARRAY_PREFIX.length)] = a;
  }
  const inner = loadReadingEveryArray({ header: checkHeader(model), arrays }, loadModelArtifact);
  try {
    return pipelineOf(FittedDictVectorizer.fromJSON(vectorizer), inner);
  } catch (err) {
    if (err instanceof ArtifactError) throw err;
    throw new ArtifactError(`pipeline artifact is inconsistent: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Records given to a fitted pipeline (a served model's requests): each must be an object; each key
 * the vectorizer knows must hold what it was fitted with: a number for a numeric key, a string for
 * a categorical one (either for a key seen with both). A value of another kind would be dropped
 * or misread in silence (a string "3" for a distance reads as a missing distance), so it is refused
 * with InvalidInputError naming the row and the key. Keys the vectorizer does not know are
 * ignored, and a key left out is a missing value, as scikit-learn's DictVectorizer does.
 */
export function checkRecords(records: readonly unknown[], vectorizer: FittedDictVectorizer): void {
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      throw new InvalidInputError(`pipeline: record ${i} is ${Array.isArray(record) ? 'an array' : describeValue(record)}; expected an object of key -> value`);
    }
    for (const key of vectorizer.keys) {
      if (!Object.hasOwn(record, key.name)) continue;
      const v = (record as Record<string, unknown>)[key.name];
      if (v === undefined) continue;
      const fits = typeof v === 'number' ? key.numeric : typeof v === 'string' ? key.categories.length > 0 || !key.numeric : false;
      if (!fits) {
        const fitted = key.numeric && key.categories.length > 0 ? 'numbers and strings' : key.numeric ? 'numbers' : 'strings (categories)';
        throw new InvalidInputError(
          `pipeline: record ${i} key '${key.name}' is ${describeValue(v)}; the vectorizer was fitted with ${fitted} for it${v === null ? ' (leave the key out for a missing value)' : ''}`,
        );
      }
    }
  }
}

/** The model type an estimator's fit returns. */
type FittedBy<E> = E extends Estimator<Params, ModelInput, infer M> ? M : never;

/** The pipeline a model makes: a classifier's, or a regressor's. */
export type PipelineFor<M> = M extends ClassificationModel<ModelInput> ? ClassifierPipelineModel : PipelineModel;

/** Estimator side: fits a DictVectorizer and then the estimator on the view its kind asks for. */
export class Pipeline<E extends Estimator<Params, ModelInput, Model<ModelInput>> = Estimator<Params, ModelInput, Model<ModelInput>>> {
  constructor(
    readonly estimator: E,
    readonly vectorizerParams: Partial<DictVectorizerParams> = {},
  ) {}

  /** `y`: values for a regressor, labels (a Float64Array or strings) for a classifier. */
  fit(input: PipelineInput, y: TargetOf<FittedBy<E>>, options?: FitOptions<PipelineInput, TargetOf<FittedBy<E>>>): PipelineFor<FittedBy<E>> {
    const frame = arrow.isArrowTable(input) ? tableToFrame(input) : input;
    const vectorizer = new DictVectorizer(this.vectorizerParams).fit(frame);
    const view = modelKinds.get(this.estimator.kind).input;
    const toView = (x: PipelineInput): ModelInput => {
      const f = arrow.isArrowTable(x) ? tableToFrame(x, vectorizer) : x;
      return view === 'matrix' ? vectorizer.transform(f) : vectorizer.transformColumns(f);
    };
    const modelOptions = options && {
      ...options,
      validation: options.validation && { X: toView(options.validation.X), y: options.validation.y },
    };
    const estimator = this.estimator as Estimator<Params, ModelInput, Model<ModelInput>>;
    const model = (estimator.fit as (X: ModelInput, y: Float64Array | Labels, o?: object) => Model<ModelInput>)(toView(frame), y, modelOptions);
    return pipelineOf(vectorizer, model) as PipelineFor<FittedBy<E>>;
  }
}

/**
 * Arrow table -> FeatureFrame: string (or dictionary-of-string) columns become categorical,
 * numeric and boolean columns numeric (nulls -> NaN / missing). With a vectorizer, every key it
 * was fitted on must be a column of the table; other columns are ignored.
 */
export function tableToFrame(table: arrow.Table, vectorizer?: FittedDictVectorizer): FeatureFrame {
  const names = vectorizer ? vectorizer.keys.map((k) => k.name) : table.schema.fields.map((f) => f.name);
  const columns: Record<string, FrameColumn> = {};
  for (const name of names) {
    const vec = table.getChild(name);
    if (!vec) throw new InvalidInputError(`pipeline: the Arrow table has no column '${name}' (columns: ${table.schema.fields.map((f) => f.name).join(', ')})`);
    columns[name] = vectorToColumn(name, vec);
  }
  return { nRows: table.numRows, columns };
}

function vectorToColumn(name: string, vec: arrow.Vector): FrameColumn {
  const type = vec.type;
  const n = vec.length;
  const isString = (t: arrow.DataType): boolean => arrow.DataType.isUtf8(t) || arrow.DataType.isLargeUtf8(t);
  if (isString(type) || (arrow.DataType.isDictionary(type) && isString(type.dictionary))) {
    const codes = new Int32Array(n);
    const dictionary: string[] = [];
    const seen = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const v = vec.get(i) as string | null;
      if (v == null) {
        codes[i] = -1;
        continue;
      }
      let code = seen.get(v);
      if (code === undefined) {
        code = dictionary.length;
        seen.set(v, code);
        dictionary.push(v);
      }
      codes[i] = code;
    }
    return { kind: 'categorical', codes, dictionary };
  }
  if (arrow.DataType.isInt(type) || arrow.DataType.isFloat(type) || arrow.DataType.isBool(type)) {
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = vec.get(i) as number | bigint | boolean | null;
      values[i] = v == null ? Number.NaN : Number(v);
    }
    return { kind: 'numeric', values };
  }
  throw new InvalidInputError(`pipeline: Arrow column '${name}' has type ${String(type)}; expected strings or numbers`);
}

