import { ArtifactError, InvalidInputError } from '../core/errors.js';
import type { JsonValue, ModelArtifact } from './artifact.js';
import type { Labels } from './types.js';

/**
 * Labels as the encoder accepts them: the contract's `Labels` (a Float64Array or strings), or
 * any array of numbers (metrics take plain arrays too). Classifiers encode labels to codes
 * 0..k-1 (the index in `classes`) and decode predictions back.
 */
export type LabelInput = ArrayLike<number> | readonly string[];

/**
 * Encodes class labels to dense codes and back. The classes are the sorted distinct training
 * labels, as scikit-learn's `LabelEncoder` orders them, so code 1 of a binary problem is the
 * positive class (`classes[1]`) and probability columns follow `classes`.
 */
export class LabelEncoder {
  private readonly index: Map<number | string, number>;

  private constructor(readonly classes: Labels) {
    this.index = new Map();
    for (let c = 0; c < classes.length; c++) this.index.set(classes[c], c);
  }

  get nClasses(): number {
    return this.classes.length;
  }

  /** Whether the classes are strings (predictions decode to strings). */
  get isString(): boolean {
    return !(this.classes instanceof Float64Array);
  }

  /**
   * The sorted distinct labels of `y` (and of `more`, e.g. predictions: the union). Throws on
   * empty input, non-finite numbers, or strings mixed with numbers.
   */
  static fit(owner: string, y: LabelInput, ...more: LabelInput[]): LabelEncoder {
    const all = [y, ...more];
    for (const ys of all) checkLabels(owner, ys);
    if (y.length === 0) throw new InvalidInputError(`${owner}: y is empty`);
    const strings = typeof y[0] === 'string';
    for (const ys of more) {
      if (ys.length > 0 && typeof ys[0] === 'string' !== strings) throw new InvalidInputError(`${owner}: labels mix strings and numbers`);
    }
    if (strings) {
      const seen = new Set<string>();
      for (const ys of all) for (let i = 0; i < ys.length; i++) seen.add(ys[i] as string);
      // Default sort compares UTF-16 code units: the order numpy gives unicode arrays for BMP text.
      return new LabelEncoder(Object.freeze([...seen].sort()));
    }
    const seen = new Set<number>();
    for (const ys of all) for (let i = 0; i < ys.length; i++) seen.add((ys as ArrayLike<number>)[i]);
    return new LabelEncoder(Float64Array.from(seen).sort());
  }

  /** The code of one label, or -1 when it is not a class. */
  codeOf(label: number | string): number {
    return this.index.get(label) ?? -1;
  }

  /** An encoder over known classes (from an artifact); they must be sorted and distinct. */
  static of(owner: string, classes: Labels): LabelEncoder {
    if (classes.length === 0) throw new InvalidInputError(`${owner}: no classes`);
    const numeric = classes instanceof Float64Array;
    for (let c = 0; c < classes.length; c++) {
      const v = classes[c];
      if (numeric ? !Number.isFinite(v) : typeof v !== 'string') throw new InvalidInputError(`${owner}: class ${c} is not a ${numeric ? 'finite number' : 'string'}`);
      if (c > 0 && !(classes[c - 1] < v)) throw new InvalidInputError(`${owner}: classes are not sorted and distinct at ${c}`);
    }
    return new LabelEncoder(numeric ? classes : Object.freeze([...classes]));
  }

  /** Codes of `y` (Int32Array); a label not among the classes throws, naming it. */
  encode(owner: string, y: LabelInput): Int32Array {
    const n = checkLabels(owner, y);
    if (n > 0 && typeof y[0] === 'string' && !this.isString) {
      throw new InvalidInputError(`${owner}: y holds strings but the classes are numbers (${describeClasses(this.classes)})`);
    }
    if (n > 0 && typeof y[0] !== 'string' && this.isString) {
      throw new InvalidInputError(`${owner}: y holds numbers but the classes are strings (${describeClasses(this.classes)})`);
    }
    const codes = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const c = this.index.get(y[i]);
      if (c === undefined) {
        throw new InvalidInputError(`${owner}: label ${JSON.stringify(y[i])} at row ${i} is not one of the classes (${describeClasses(this.classes)})`);
      }
      codes[i] = c;
    }
    return codes;
  }

  /** Labels of `codes`, in the classes' type. */
  decode(codes: ArrayLike<number>): Labels {
    const n = codes.length;
    if (this.classes instanceof Float64Array) {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = this.classes[codes[i]];
      return out;
    }
    const out = new Array<string>(n);
    for (let i = 0; i < n; i++) out[i] = this.classes[codes[i]];
    return out;
  }

  /** The classes for an artifact: numbers as an array, strings in the header. */
  toArtifactParts(): { state: Record<string, JsonValue>; arrays: Record<string, Float64Array> } {
    return this.classes instanceof Float64Array
      ? { state: {}, arrays: { classes: this.classes } }
      : { state: { classes: [...this.classes] }, arrays: {} };
  }

  /** Read what `toArtifactParts` wrote. */
  static fromArtifact(artifact: ModelArtifact): LabelEncoder {
    const kind = artifact.header.kind;
    const named = (artifact.header.state as Record<string, unknown>).classes;
    const numeric = artifact.arrays.classes;
    let classes: Labels;
    if (Array.isArray(named)) {
      if (numeric !== undefined) throw new ArtifactError(`'${kind}' artifact holds classes both as names and as an array`);
      if (!named.every((c) => typeof c === 'string')) throw new ArtifactError(`'${kind}' artifact has non-string class names`);
      classes = named as string[];
    } else if (numeric instanceof Float64Array) {
      classes = numeric;
    } else {
      throw new ArtifactError(`'${kind}' artifact has no classes`);
    }
    try {
      return LabelEncoder.of(kind, classes);
    } catch (err) {
      throw new ArtifactError(`'${kind}' artifact has invalid classes: ${(err as Error).message}`, { cause: err });
    }
  }
}

/** Length of `y` after checking every label is a finite number, or every label a string. */
function checkLabels(owner: string, y: LabelInput): number {
  if (y === null || typeof y !== 'object' || typeof (y as { length?: unknown }).length !== 'number') {
    throw new InvalidInputError(`${owner}: y must be an array of labels (numbers or strings)`);
  }
  const n = y.length;
  if (n === 0) return 0;
  if (typeof y[0] === 'string') {
    for (let i = 0; i < n; i++) {
      if (typeof y[i] !== 'string') throw new InvalidInputError(`${owner}: y mixes strings and other values (row ${i}: ${String(y[i])})`);
    }
    return n;
  }
  for (let i = 0; i < n; i++) {
    const v = y[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new InvalidInputError(`${owner}: y has ${typeof v === 'number' ? 'a non-finite label' : 'a label that is neither a number nor a string'} (${String(v)}) at row ${i}`);
    }
  }
  return n;
}

function describeClasses(classes: Labels): string {
  const shown = Array.from(classes.slice(0, 10) as ArrayLike<number | string>, (c) => JSON.stringify(c));
  return `${shown.join(', ')}${classes.length > 10 ? `, ... ${classes.length} in all` : ''}`;
}
