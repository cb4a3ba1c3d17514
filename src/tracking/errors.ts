import { TunekitError } from '../core/errors.js';

/** A param was logged again with a different value; params are write-once. */
export class ParamOverwriteError extends TunekitError {
  constructor(
    readonly runId: string,
    readonly key: string,
    readonly oldValue: string,
    readonly newValue: string,
  ) {
    super(
      'PARAM_OVERWRITE',
      `run ${runId}: param '${key}' is already logged as ${JSON.stringify(oldValue)}; cannot change it to ${JSON.stringify(newValue)} (params are write-once)`,
    );
  }
}

/**
 * A search filter or order-by clause is malformed; `position` is the 0-based offset in `input`.
 * The message quotes the input around the position (all of it when short) with a caret.
 */
export class FilterSyntaxError extends TunekitError {
  constructor(
    readonly input: string,
    readonly position: number,
    readonly reason: string,
  ) {
    const pos = Math.max(0, position);
    const from = input.length > 120 ? Math.max(0, pos - 60) : 0;
    const to = input.length > 120 ? Math.min(input.length, pos + 60) : input.length;
    const head = from > 0 ? '...' : '';
    const shown = `${head}${input.slice(from, to)}${to < input.length ? '...' : ''}`;
    const where = input.length > 120 ? '' : ` in ${JSON.stringify(input)}`;
    super('FILTER_SYNTAX', `${reason} at position ${position}${where}\n  ${shown}\n  ${' '.repeat(head.length + pos - from)}^`);
  }
}

/** An artifact path is empty, absolute, or escapes the run's artifact folder. */
export class ArtifactPathError extends TunekitError {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super('ARTIFACT_PATH', `artifact path ${JSON.stringify(path)} refused: ${reason}`);
  }
}

/** An entity with this unique name already exists (experiment, registered model). */
export class AlreadyExistsError extends TunekitError {
  constructor(what: string, name: string) {
    super('ALREADY_EXISTS', `${what} '${name}' already exists`);
  }
}

/** A run cannot move to the requested status (e.g. FINISHED -> FAILED). */
export class RunStateError extends TunekitError {
  constructor(runId: string, from: string, to: string) {
    super('RUN_STATE', `run ${runId} is ${from}; it cannot become ${to} (a run ends once, from RUNNING to FINISHED, FAILED or KILLED)`);
  }
}

/**
 * The store itself failed: its database file is damaged, locked too long, on a full disk, closed;
 * or its server cannot be reached. `store` names the store (a URI, never a credential).
 */
export class TrackingStoreError extends TunekitError {
  constructor(
    readonly store: string,
    message: string,
    options?: { cause?: unknown; code?: string },
  ) {
    super(options?.code ?? 'TRACKING_STORE', message, options);
  }
}
