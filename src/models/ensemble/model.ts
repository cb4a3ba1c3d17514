import { ArtifactError } from '../../core/errors.js';
import { type JsonValue, type ModelArtifact, checkHeader, makeHeader, requireArray } from '../artifact.js';
import type { ModelInput, RegressionModel } from '../types.js';
import type { BinnedDataset } from '../tree/binning.js';
import { CompiledForest } from '../tree/compiled.js';
import { TreeOutputs } from '../tree/outputs.js';
import { RowRouter } from '../tree/route.js';
import type { ForestArrays } from '../tree/tree.js';
import { type FeatureSchema, predictionRows, primaryOf } from './input.js';

/** Importance of one feature: how often it splits and the total gain of its splits. */
export interface FeatureImportance {
  readonly feature: string;
  readonly splits: number;
  readonly gain: number;
  /** gain / total gain of all features (what scikit-learn calls feature_importances_). */
  readonly gainShare: number;
}

/**
 * A fitted tree ensemble: prediction = base + scale * sum of tree outputs (a forest averages with
 * scale = 1/nTrees; boosting adds learning-rate-scaled leaves to a base score).
 */
export class TreeEnsembleModel implements RegressionModel<ModelInput> {
  readonly task = 'regression';
  readonly kind: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly nFeatures: number;
  readonly featureNames: readonly string[];
  readonly schema: FeatureSchema;
  readonly trees: ForestArrays;
  readonly base: number;
  /** Prediction = base + scale x (sum of the tree outputs). */
  readonly scale: number;
  /** The trees are averaged (forests): the first k trees predict with scale 1 / k. */
  readonly averaged: boolean;
  /** Learned extras kept in the artifact (OOB score, best iteration, ...). */
  readonly info: Readonly<Record<string, JsonValue>>;
  /** Lookup-table form of the trees for raw values and for bins, built once enough rows ask. */
  private readonly compiled: { raw?: CompiledForest; binned?: CompiledForest } = {};
  private rowsPredicted = 0;

  constructor(
    kind: string,
    params: Readonly<Record<string, unknown>>,
    schema: FeatureSchema,
    trees: ForestArrays,
    base: number,
    /** A number, or 'mean' for the average of the trees (scale 1 / nTrees). */
    scale: number | 'mean',
    info: Readonly<Record<string, JsonValue>> = {},
  ) {
    this.kind = kind;
    this.params = params;
    this.schema = schema;
    this.nFeatures = schema.names.length;
    this.featureNames = schema.names;
    this.trees = trees;
    this.base = base;
    this.averaged = scale === 'mean';
    this.scale = scale === 'mean' ? meanScale(trees.roots.length) : scale;
    this.info = info;
  }

  get nTrees(): number {
    return this.trees.roots.length;
  }

  /** Predictions for FeatureColumns, a DenseMatrix, or data binned with the training cuts. */
  predict(X: ModelInput | BinnedDataset): Float64Array {
    return this.predictFirst(X, this.nTrees);
  }

  /** Predictions using only the first `nTrees` trees. */
  predictFirst(X: ModelInput | BinnedDataset, nTrees: number): Float64Array {
    const { x, nRows, binned } = predictionRows(this.kind, X, this.schema);
    const out = new Float64Array(nRows);
    const k = Math.max(0, Math.min(nTrees, this.nTrees));
    const t = this.trees;
    const compiled = this.compiledFor(binned, nRows);
    new TreeOutputs(t, binned ? t.binLo : t.lo, binned ? t.binHi : t.hi, x, nRows, this.nFeatures, primaryOf(this.schema), compiled).add(0, k, out);
    const scale = this.averaged ? meanScale(k) : this.scale;
    for (let i = 0; i < nRows; i++) out[i] = this.base + scale * out[i];
    return out;
  }

  /**
   * The trees as lookup tables, built once the model has predicted enough rows for the build
   * (about 20 ms for a hundred depth-10 trees) to pay off. Every kernel gives the same sums.
   */
  private compiledFor(binned: boolean, nRows: number): CompiledForest | undefined {
    const key = binned ? 'binned' : 'raw';
    this.rowsPredicted += nRows;
    if (this.compiled[key] === undefined && this.rowsPredicted >= COMPILE_AFTER_ROWS) {
      const t = this.trees;
      const lo = binned ? t.binLo : t.lo;
      const hi = binned ? t.binHi : t.hi;
      // A table costs a few lookups per row and tree; routing, a pass per split it partitions
      // (chains of code splits are nearly free). Trees left out are routed.
      const primary = primaryOf(this.schema);
      const trees = Uint8Array.from(t.roots, (root) =>
        primary < 0 || RowRouter.partitionsPerRow(t.feature, lo, hi, t.child, t.count, root, primary) >= TABLE_MIN_PARTITIONS ? 1 : 0,
      );
      this.compiled[key] = new CompiledForest(t, lo, hi, this.nFeatures, { trees });
    }
    return this.compiled[key];
  }

  /** Split count and gain per feature, in feature order. */
  featureImportances(): FeatureImportance[] {
    const splits = new Float64Array(this.nFeatures);
    const gain = new Float64Array(this.nFeatures);
    const { feature, gain: g } = this.trees;
    let total = 0;
    for (let n = 0; n < feature.length; n++) {
      const f = feature[n];
      if (f < 0) continue;
      splits[f]++;
      gain[f] += g[n];
      total += g[n];
    }
    return this.featureNames.map((name, f) => ({ feature: name, splits: splits[f], gain: gain[f], gainShare: total > 0 ? gain[f] / total : 0 }));
  }

  toArtifact(): ModelArtifact {
    const t = this.trees;
    const state: Record<string, JsonValue> = {
      base: this.base,
      scale: this.scale,
      averaged: this.averaged,
      schema: { names: [...this.schema.names], kinds: [...this.schema.kinds], nCategories: [...this.schema.nCategories] },
      info: { ...this.info },
    };
    return {
      header: makeHeader(this.kind, jsonParams(this.params), state, this.featureNames),
      arrays: {
        roots: t.roots,
        feature: t.feature,
        lo: t.lo,
        hi: t.hi,
        binLo: t.binLo,
        binHi: t.binHi,
        child: t.child,
        value: t.value,
        gain: t.gain,
        count: t.count,
      },
    };
  }

  static fromArtifact(artifact: ModelArtifact, expectedKind: string): TreeEnsembleModel {
    const header = checkHeader(artifact?.header, expectedKind);
    const state = header.state as Record<string, unknown>;
    const schema = state.schema as FeatureSchema | undefined;
    if (
      typeof state.base !== 'number' ||
      typeof state.scale !== 'number' ||
      !schema ||
      !Array.isArray(schema.names) ||
      !Array.isArray(schema.kinds) ||
      !Array.isArray(schema.nCategories) ||
      schema.kinds.length !== schema.names.length
    ) {
      throw new ArtifactError(`'${header.kind}' artifact has a malformed state`);
    }
    const feature = requireArray(artifact, 'feature', Int32Array);
    const n = feature.length;
    const trees: ForestArrays = {
      nNodes: n,
      roots: requireArray(artifact, 'roots', Int32Array),
      feature,
      lo: requireArray(artifact, 'lo', Float64Array, n),
      hi: requireArray(artifact, 'hi', Float64Array, n),
      binLo: requireArray(artifact, 'binLo', Float64Array, n),
      binHi: requireArray(artifact, 'binHi', Float64Array, n),
      child: requireArray(artifact, 'child', Int32Array, n),
      value: requireArray(artifact, 'value', Float64Array, n),
      gain: requireArray(artifact, 'gain', Float64Array, n),
      count: requireArray(artifact, 'count', Int32Array, n),
    };
    checkTrees(header.kind, trees, schema.names.length);
    const info = (state.info ?? {}) as Record<string, JsonValue>;
    // Artifacts written before `averaged` was stored: forests kept scale = 1 / nTrees, boosting 1.
    const nTrees = trees.roots.length;
    const averaged = typeof state.averaged === 'boolean' ? state.averaged : nTrees > 1 && state.scale * nTrees === 1;
    return new TreeEnsembleModel(header.kind, header.params, schema, trees, state.base, averaged ? 'mean' : state.scale, info);
  }
}

/** The scale of an average of `nTrees` trees: prediction = 0 + scale x (sum of their outputs). */
export function meanScale(nTrees: number): number {
  return nTrees > 0 ? 1 / nTrees : 0;
}

/** Rows a model predicts (over all calls) before it builds its lookup tables. */
const COMPILE_AFTER_ROWS = 16_384;
/** A tree gets a table when routing would partition every row at least this often. */
const TABLE_MIN_PARTITIONS = 2;

/** Structural checks so a corrupt artifact fails on load, not with a wild read in predict. */
function checkTrees(kind: string, t: ForestArrays, nFeatures: number): void {
  const n = t.nNodes;
  for (let k = 0; k < t.roots.length; k++) {
    if (t.roots[k] < 0 || t.roots[k] >= n) throw new ArtifactError(`'${kind}' artifact: tree ${k} root ${t.roots[k]} is out of range`);
  }
  for (let i = 0; i < n; i++) {
    const f = t.feature[i];
    if (f < 0) continue;
    if (f >= nFeatures) throw new ArtifactError(`'${kind}' artifact: node ${i} uses feature ${f} of ${nFeatures}`);
    const c = t.child[i];
    if (c <= i || c + 1 >= n) throw new ArtifactError(`'${kind}' artifact: node ${i} has child ${c} out of range`);
  }
}

function jsonParams(params: Readonly<Record<string, unknown>>): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(params)) if (v === null || ['number', 'string', 'boolean'].includes(typeof v)) out[k] = v as JsonValue;
  return out;
}
