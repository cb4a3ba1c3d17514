/**
 * What a tracked run records for a fitted classifier, named as MLflow's scikit-learn autolog
 * names it, so runs read the same in either tool:
 * - metrics `<prefix>accuracy_score`, `precision_score`, `recall_score`, `f1_score` (weighted
 *   over classes, autolog's default), `log_loss`, `roc_auc` (binary: the positive class's
 *   probability; 3+ classes: one-vs-one weighted, as autolog asks scikit-learn) and `score` (the
 *   estimator's score: accuracy);
 * - artifacts `<prefix>confusion_matrix.json` (labels and counts, rows true, columns predicted)
 *   and `<prefix>confusion_matrix.svg` (the row-normalised matrix autolog draws as a PNG);
 * - the model's params as a run logs them (structured ones, e.g. a class-weight map, as JSON);
 * - the model's tags, and the fit's warnings (a ConvergenceWarning) in the tag `tunekit.warnings`,
 *   one per line.
 * Pure: it returns plain data for any client to log (`logBatch`, `logText`).
 */
import { LabelEncoder } from '../../models/labels.js';
import {
  accuracyScore,
  confusionMatrix,
  f1Score,
  logLoss,
  metrics as metricRegistry,
  precisionScore,
  recallScore,
} from '../../models/metrics/index.js';
import type { ClassificationModel, Labels, ModelInput } from '../../models/types.js';
import { warningTags } from '../../models/warnings.js';
import type { ParamInput, TrackingClient } from '../client.js';

export interface TextArtifact {
  /** Path under the run's artifact root. */
  readonly path: string;
  readonly contentType: string;
  readonly text: string;
}

export interface ClassifierRecord {
  readonly params: Readonly<Record<string, ParamInput>>;
  readonly tags: Readonly<Record<string, string>>;
  readonly metrics: Readonly<Record<string, number>>;
  readonly artifacts: readonly TextArtifact[];
}

/** Above this many classes the confusion matrix is written as JSON only (a drawing would be unreadable). */
const MAX_DRAWN_CLASSES = 40;

/**
 * Metrics and artifacts of `model` on (X, y): the training set with the default prefix
 * 'training_' (autolog's), or any other set with another prefix (e.g. 'val_').
 */
export function classifierRecord<X = ModelInput>(model: ClassificationModel<X>, X: X, y: Labels, options: { readonly prefix?: string } = {}): ClassifierRecord {
  const prefix = options.prefix ?? 'training_';
  const pred = model.predict(X);
  const proba = model.predictProba(X);
  const codes = LabelEncoder.of(model.kind, model.classes).encode(`${model.kind} ${prefix}metrics`, y);
  const weighted = { average: 'weighted' } as const;
  const accuracy = accuracyScore(y, pred);
  const metrics: Record<string, number> = {
    [`${prefix}accuracy_score`]: accuracy,
    [`${prefix}precision_score`]: precisionScore(y, pred, weighted),
    [`${prefix}recall_score`]: recallScore(y, pred, weighted),
    [`${prefix}f1_score`]: f1Score(y, pred, weighted),
    [`${prefix}log_loss`]: logLoss(y, proba, { classes: model.classes }),
    [`${prefix}score`]: accuracy,
  };
  // ROC AUC needs both classes (of a pair) among the true labels, as in scikit-learn.
  const present = new Set(codes);
  if (present.size >= 2) metrics[`${prefix}roc_auc`] = metricRegistry.get('roc_auc_ovo_weighted').fn(codes, proba);
  const cm = confusionMatrix(y, pred, model.classes);
  const labels = Array.from(cm.labels as ArrayLike<number | string>);
  const artifacts: TextArtifact[] = [
    {
      path: `${prefix}confusion_matrix.json`,
      contentType: 'application/json',
      text: `${JSON.stringify({ labels, counts: rowsOf(cm.counts, labels.length), rows: 'true label', columns: 'predicted label' })}\n`,
    },
  ];
  if (labels.length <= MAX_DRAWN_CLASSES) {
    artifacts.push({ path: `${prefix}confusion_matrix.svg`, contentType: 'image/svg+xml', text: confusionMatrixSvg(labels.map(String), cm.counts) });
  }
  const tags = { ...warningTags(model.warnings ?? []), ...model.tags };
  return { params: trackedParams(model.params), tags, metrics, artifacts };
}

/** Params as a run logs them: strings, numbers, booleans and null as they are, structured values as JSON. */
export function trackedParams(params: Readonly<Record<string, unknown>>): Record<string, ParamInput> {
  const out: Record<string, ParamInput> = {};
  for (const [key, value] of Object.entries(params)) {
    out[key] = value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : JSON.stringify(value);
  }
  return out;
}

function rowsOf(counts: Int32Array, k: number): number[][] {
  return Array.from({ length: k }, (_, t) => Array.from(counts.subarray(t * k, t * k + k)));
}

/**
 * The row-normalised confusion matrix as an SVG heat map (each cell: the share of the true
 * class's rows, and the count), blue scale as scikit-learn's display draws it.
 */
export function confusionMatrixSvg(labels: readonly string[], counts: Int32Array): string {
  const k = labels.length;
  const cell = k <= 10 ? 64 : 32;
  const fontSize = k <= 10 ? 12 : 9;
  const labelWidth = Math.min(160, 16 + 7 * Math.max(...labels.map((l) => Math.min(l.length, 20))));
  const left = labelWidth + 24;
  const top = 40;
  const width = left + k * cell + 16;
  const height = top + k * cell + labelWidth + 24;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="${fontSize}">`,
    `<text x="${left + (k * cell) / 2}" y="20" text-anchor="middle" font-size="14">Normalized confusion matrix</text>`,
  ];
  for (let t = 0; t < k; t++) {
    let row = 0;
    for (let p = 0; p < k; p++) row += counts[t * k + p];
    for (let p = 0; p < k; p++) {
      const n = counts[t * k + p];
      const share = row > 0 ? n / row : 0;
      const x = left + p * cell;
      const y = top + t * cell;
      const ink = share > 0.5 ? '#ffffff' : '#08306b';
      parts.push(
        `<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${blue(share)}" stroke="#ffffff"/>`,
        `<text x="${x + cell / 2}" y="${y + cell / 2}" text-anchor="middle" fill="${ink}">${share.toFixed(2)}</text>`,
        `<text x="${x + cell / 2}" y="${y + cell / 2 + fontSize + 2}" text-anchor="middle" fill="${ink}" font-size="${fontSize - 2}">${n}</text>`,
      );
    }
    parts.push(`<text x="${left - 6}" y="${top + t * cell + cell / 2 + 4}" text-anchor="end">${escapeXml(short(labels[t]))}</text>`);
  }
  for (let p = 0; p < k; p++) {
    const x = left + p * cell + cell / 2;
    const y = top + k * cell + 8;
    parts.push(`<text x="${x}" y="${y}" text-anchor="end" transform="rotate(-45 ${x} ${y})">${escapeXml(short(labels[p]))}</text>`);
  }
  parts.push(
    `<text x="${left + (k * cell) / 2}" y="${height - 6}" text-anchor="middle">Predicted label</text>`,
    `<text x="12" y="${top + (k * cell) / 2}" text-anchor="middle" transform="rotate(-90 12 ${top + (k * cell) / 2})">True label</text>`,
    '</svg>',
  );
  return `${parts.join('\n')}\n`;
}

/** #f7fbff (0) to #08306b (1). */
function blue(t: number): string {
  const mix = (a: number, b: number) => Math.round(a + (b - a) * t);
  const hex = (v: number) => v.toString(16).padStart(2, '0');
  return `#${hex(mix(0xf7, 0x08))}${hex(mix(0xfb, 0x30))}${hex(mix(0xff, 0x6b))}`;
}

function short(label: string): string {
  return label.length > 20 ? `${label.slice(0, 19)}…` : label;
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

/** Log a record to a run: params, metrics and tags in one batch, then the artifacts. */
export async function logClassifierRecord(client: TrackingClient, runId: string, record: ClassifierRecord): Promise<void> {
  await client.logBatch(runId, { params: record.params, metrics: record.metrics, tags: record.tags });
  for (const a of record.artifacts) await client.logText(runId, a.text, a.path);
}
