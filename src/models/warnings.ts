import type { TunekitWarning } from '../core/errors.js';

/**
 * Hand a fit's warning to the caller's handler, or, without one, to `process.emitWarning` (as
 * scikit-learn's warnings reach the user unless filtered): never silent, never fatal.
 */
export function emitWarning<W extends TunekitWarning>(warning: W, onWarning?: (warning: W) => void): void {
  if (onWarning) onWarning(warning);
  else process.emitWarning(warning);
}
