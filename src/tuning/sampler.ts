import { InvalidParameterError } from '../core/errors.js';
import { Rng, mixSeeds } from '../core/rng.js';
import { type Distribution, type ParamPrimitive, contains, gridValues, sampleFromPrior } from './distributions.js';
import { type Space, spaceParams } from './space.js';
import type { Direction, FrozenTrial } from './trial.js';

/** A trial asked before the current one whose result the sampler must not use. */
export interface PendingTrial {
  readonly number: number;
  readonly params: Readonly<Record<string, ParamPrimitive>>;
}

/**
 * What a sampler sees when it picks one parameter of one trial. The study builds it so the
 * choice depends only on (study seed, trial number, the trials visible to this number):
 * never on timing or on which worker ran what.
 */
export interface SamplerContext {
  readonly direction: Direction;
  readonly trialNumber: number;
  /** The study seed. */
  readonly seed: number;
  /** Finished trials this trial may learn from, ascending by number. */
  readonly history: readonly FrozenTrial[];
  /** Earlier trials still running or hidden from this one (their params only). */
  readonly pending: readonly PendingTrial[];
  /** Params already chosen for this trial. */
  readonly params: Readonly<Record<string, ParamPrimitive>>;
  /** A generator seeded from (study seed, trial number, parameter name). */
  readonly rng: Rng;
}

/** A sampling strategy: stateless, so a resumed study samples exactly as an uninterrupted one. */
export interface Sampler {
  readonly name: string;
  sample(ctx: SamplerContext, name: string, d: Distribution): ParamPrimitive;
  /** How many distinct trials the sampler can produce, when finite (a grid). */
  readonly maxTrials?: number;
}

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The generator for one parameter of one trial. */
export function paramRng(seed: number, trialNumber: number, name: string): Rng {
  return new Rng(mixSeeds(seed, trialNumber, hashString(name)));
}

/** Independent draws from each distribution. */
export class RandomSampler implements Sampler {
  readonly name = 'random';
  sample(ctx: SamplerContext, _name: string, d: Distribution): ParamPrimitive {
    return sampleFromPrior(d, ctx.rng);
  }
}

export interface GridSamplerOptions {
  /** Visit the grid points in a seeded random order instead of row-major order. */
  readonly shuffle?: boolean;
}

/**
 * Every combination of the given values, one per trial number (trial k gets grid point k), so
 * the grid is covered exactly once whatever the number of workers.
 */
export class GridSampler implements Sampler {
  readonly name = 'grid';
  readonly maxTrials: number;
  private readonly names: string[];
  private readonly perm = new Map<number, Uint32Array>();

  constructor(
    readonly grid: Readonly<Record<string, readonly ParamPrimitive[]>>,
    private readonly options: GridSamplerOptions = {},
  ) {
    this.names = Object.keys(grid).sort();
    if (this.names.length === 0) throw new InvalidParameterError('GridSampler', 'grid', grid, 'must name at least one parameter');
    let size = 1;
    for (const n of this.names) {
      const values = grid[n];
      if (!Array.isArray(values) || values.length === 0) throw new InvalidParameterError('GridSampler', n, values, 'must be a non-empty array of values');
      size *= values.length;
    }
    this.maxTrials = size;
  }

  /** The grid of a space whose parameters are all discrete (choices, integer or stepped ranges). */
  static fromSpace(space: Space, options: GridSamplerOptions = {}): GridSampler {
    const grid: Record<string, ParamPrimitive[]> = {};
    for (const [label, d] of spaceParams(space)) {
      const values = gridValues(d);
      if (values === undefined) throw new InvalidParameterError('GridSampler.fromSpace', label, JSON.stringify(d), 'must be discrete (a choice, an integer or a stepped range)');
      grid[label] = values;
    }
    return new GridSampler(grid, options);
  }

  sample(ctx: SamplerContext, name: string, d: Distribution): ParamPrimitive {
    const values = this.grid[name];
    if (values === undefined) throw new InvalidParameterError('GridSampler', name, undefined, `is not in the grid (grid: ${this.names.join(', ')})`);
    let point = ctx.trialNumber % this.maxTrials;
    if (this.options.shuffle) point = this.permutation(ctx.seed)[point];
    // Mixed-radix decode, last name fastest.
    for (let i = this.names.length - 1; i >= 0; i--) {
      const vs = this.grid[this.names[i]];
      const digit = point % vs.length;
      point = Math.floor(point / vs.length);
      if (this.names[i] === name) {
        const v = vs[digit];
        if (!contains(d, v)) throw new InvalidParameterError('GridSampler', name, v, `is outside its distribution ${JSON.stringify(d)}`);
        return v;
      }
    }
    return values[0];
  }

  private permutation(seed: number): Uint32Array {
    let p = this.perm.get(seed);
    if (!p) {
      p = new Uint32Array(this.maxTrials);
      for (let i = 0; i < p.length; i++) p[i] = i;
      new Rng(mixSeeds(seed, 0x9e1d)).shuffle(p);
      this.perm.set(seed, p);
    }
    return p;
  }
}
