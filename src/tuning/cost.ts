import type { Distribution, ParamPrimitive } from './distributions.js';

/** A finished trial's params and how long it ran. */
export interface TrialCost {
  readonly params: Readonly<Record<string, ParamPrimitive>>;
  readonly seconds: number;
}

/**
 * The run time of the finished trial whose params are nearest (each parameter scaled to its
 * range, log ranges on a log scale; a different choice or a missing parameter counts 1), or
 * undefined when none finished. A rough guess that is good enough to start long trials first.
 */
export function nearestCost(
  history: readonly TrialCost[],
  params: Readonly<Record<string, ParamPrimitive>>,
  distributions: Readonly<Record<string, Distribution>>,
): number | undefined {
  let best: number | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const h of history) {
    let distance = 0;
    for (const [name, d] of Object.entries(distributions)) distance += gap(d, params[name], h.params[name]);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = h.seconds;
    }
  }
  return best;
}

function gap(d: Distribution, a: ParamPrimitive | undefined, b: ParamPrimitive | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : 1;
  if (typeof a !== 'number' || typeof b !== 'number' || d.type === 'categorical') return a === b ? 0 : 1;
  if (d.type === 'normal') return Math.min(1, Math.abs(a - b) / (4 * d.sigma));
  if (d.log && a > 0 && b > 0 && d.high > d.low) return Math.abs(Math.log(a) - Math.log(b)) / (Math.log(d.high) - Math.log(d.low));
  return d.high > d.low ? Math.abs(a - b) / (d.high - d.low) : 0;
}
