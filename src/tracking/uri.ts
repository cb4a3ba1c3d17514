import { InvalidInputError } from '../core/errors.js';
import { checkAlias, checkModelName, checkRunId, normalizeArtifactPath } from './validate.js';

/**
 * Model URIs:
 *   runs:/<runId>/<artifactPath>    a model logged by a run (artifactPath is usually 'model')
 *   models:/<name>/<version>        a registered version ('latest' for the highest)
 *   models:/<name>@<alias>          the version an alias points at
 */
export type ModelUri =
  | { readonly kind: 'run'; readonly runId: string; readonly artifactPath: string }
  | { readonly kind: 'version'; readonly name: string; readonly version: number | 'latest' }
  | { readonly kind: 'alias'; readonly name: string; readonly alias: string };

export function parseModelUri(uri: string): ModelUri {
  const bad = (why: string): never => {
    throw new InvalidInputError(`model URI ${JSON.stringify(uri)} is invalid: ${why} (runs:/<runId>/model, models:/<name>/<version>, models:/<name>@<alias>)`);
  };
  if (typeof uri !== 'string') return bad('not a string');
  if (uri.startsWith('runs:/')) {
    const rest = uri.slice('runs:/'.length);
    const slash = rest.indexOf('/');
    if (slash < 0) return bad('no artifact path after the run id');
    const runId = rest.slice(0, slash);
    if (!/^[0-9a-f]{32}$/.test(runId)) return bad(`run id ${JSON.stringify(runId)} is not 32 hex characters`);
    return { kind: 'run', runId: checkRunId(runId), artifactPath: normalizeArtifactPath(rest.slice(slash + 1)) };
  }
  if (uri.startsWith('models:/')) {
    const rest = uri.slice('models:/'.length);
    const at = rest.lastIndexOf('@');
    if (at >= 0) {
      const name = rest.slice(0, at);
      const alias = rest.slice(at + 1);
      if (!/^[A-Za-z_][\w-]*$/.test(alias)) return bad(`alias ${JSON.stringify(alias)} is invalid`);
      return { kind: 'alias', name: checkModelName(name), alias: checkAlias(alias) };
    }
    const slash = rest.lastIndexOf('/');
    if (slash < 0) return bad('no version or alias');
    const name = rest.slice(0, slash);
    const v = rest.slice(slash + 1);
    if (v === 'latest') return { kind: 'version', name: checkModelName(name), version: 'latest' };
    if (!/^[1-9]\d*$/.test(v)) return bad(`version ${JSON.stringify(v)} is not a positive integer`);
    return { kind: 'version', name: checkModelName(name), version: Number(v) };
  }
  return bad('unknown scheme');
}

export function runModelUri(runId: string, artifactPath = 'model'): string {
  return `runs:/${runId}/${artifactPath}`;
}
