import { Registry } from '../core/registry.js';
import { MedianPruner, type MedianPrunerOptions, NopPruner, type Pruner, SuccessiveHalvingPruner, type SuccessiveHalvingOptions } from './pruners.js';
import { GridSampler, type GridSamplerOptions, RandomSampler, type Sampler } from './sampler.js';
import type { ParamPrimitive } from './distributions.js';
import { TPESampler, type TPEOptions } from './tpe.js';

/** Samplers by name: `samplers.get('tpe')(options)`. */
export const samplers = new Registry<(options?: Record<string, unknown>) => Sampler>('sampler', [
  ['random', () => new RandomSampler()],
  ['tpe', (o) => new TPESampler(o as TPEOptions)],
  [
    'grid',
    (o) => {
      const { grid, ...rest } = (o ?? {}) as { grid?: Record<string, readonly ParamPrimitive[]> } & GridSamplerOptions;
      return new GridSampler(grid ?? {}, rest);
    },
  ],
]);

/** Pruners by name: `pruners.get('median')(options)`. */
export const pruners = new Registry<(options?: Record<string, unknown>) => Pruner>('pruner', [
  ['none', () => new NopPruner()],
  ['median', (o) => new MedianPruner(o as MedianPrunerOptions)],
  ['successive-halving', (o) => new SuccessiveHalvingPruner(o as SuccessiveHalvingOptions)],
]);
