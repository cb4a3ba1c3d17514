import type { TunekitWarning } from '../core/errors.js';

/**
 * Hand a fit's warning to the caller's handler, or, without one, to `process.emitWarning` (as
 * scikit-learn's warnings reach the user unless filtered): never silent, never fatal.
 */
export function emitWarning<W extends TunekitWarning>(warning: W, onWarning?: (warning: W) => void): void {
  if (onWarning) onWarning(warning);
  else process.emitWarning(warning);
}

/** The tag a tracked run records a fit's warnings in ("Name: message", one per line). */
export const WARNINGS_TAG = 'tunekit.warnings';

/** Tags recording `warnings` (none when there are none). */
export function warningTags(warnings: readonly TunekitWarning[]): Record<string, string> {
  return warnings.length > 0 ? { [WARNINGS_TAG]: warnings.map((w) => `${w.name}: ${w.message}`).join('\n') } : {};
}
