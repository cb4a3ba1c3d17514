/** Summaries of metric histories, shared by the CLI and the UI. */

export interface CurveSummary {
  readonly key: string;
  /** Number of points. */
  readonly steps: number;
  readonly firstStep: number;
  readonly lastStep: number;
  readonly first: number;
  readonly last: number;
  /** NaN points are skipped for min/max; NaN when every point is NaN. */
  readonly min: number;
  readonly max: number;
}

/** first/last/min/max of one metric's history (points in history order, at least one). */
export function summarizeCurve(key: string, points: readonly { step: number; value: number }[]): CurveSummary {
  let min = Number.NaN;
  let max = Number.NaN;
  for (const p of points) {
    const v = p.value;
    if (Number.isNaN(v)) continue;
    if (!(v >= min)) min = v;
    if (!(v <= max)) max = v;
  }
  const first = points[0];
  const last = points[points.length - 1];
  return {
    key,
    steps: points.length,
    firstStep: first?.step ?? Number.NaN,
    lastStep: last?.step ?? Number.NaN,
    first: first?.value ?? Number.NaN,
    last: last?.value ?? Number.NaN,
    min,
    max,
  };
}
