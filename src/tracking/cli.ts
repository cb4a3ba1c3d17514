import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { InvalidInputError, TunekitError } from '../core/errors.js';
import { LIBRARY_VERSION } from '../core/version.js';
import { type LoggedModel, TrackingClient } from './client.js';
import { DEFAULT_TRACKING_URI, TRACKING_URI_ENV, resolveTrackingUri } from './stores/index.js';
import type { ModelVersion, Run } from './types.js';

/**
 * The `tunekit` command line: browse experiments, runs and registered models in a tracking store.
 * `main` returns the exit code: 0 ok, 1 error (message on stderr), 2 bad usage.
 */

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

const defaultIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
};

const OPTIONS = {
  'tracking-uri': { type: 'string' },
  experiment: { type: 'string', multiple: true },
  filter: { type: 'string' },
  'order-by': { type: 'string', multiple: true },
  max: { type: 'string' },
  'page-token': { type: 'string' },
  'older-than-minutes': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

const GLOBAL = `Options for every command:
  --tracking-uri URI   store to read (default: $${TRACKING_URI_ENV}, else ${DEFAULT_TRACKING_URI})
  --json               machine-readable output
  -h, --help           help for a command`;

const HELP: Record<string, string> = {
  main: `tunekit ${LIBRARY_VERSION} — experiment tracking and model registry

Usage: tunekit <command> [options]

Commands:
  experiments                 list experiments
  runs                        search runs (filter, order, paging)
  runs show RUN_ID            one run: params, tags, metric curves, artifacts
  runs fail-stale             mark RUNNING runs of dead processes FAILED
  models                      list registered models
  models show NAME[@ALIAS|/VERSION]
                              a registered model or one of its versions

${GLOBAL}`,
  experiments: `Usage: tunekit experiments [--json]

List experiments with their ids and tags.

${GLOBAL}`,
  runs: `Usage: tunekit runs [--experiment NAME]... [--filter EXPR] [--order-by CLAUSE]...
                   [--max N] [--page-token TOKEN] [--json]

Search runs, newest first unless ordered otherwise.
  --experiment NAME     only runs of this experiment (repeatable)
  --filter EXPR         e.g. "metrics.rmse < 6.7 and params.maxDepth = '10'"
                        fields: metrics.K params.K tags.K status run_name run_id
                        start_time end_time parent_run_id; operators: = != < <= > >=
                        like ilike in (...) not in (...) is null, is not null, and or not ( )
  --order-by CLAUSE     e.g. "metrics.rmse asc" (repeatable)
  --max N               page size (default 50)
  --page-token TOKEN    continue from a previous page

${GLOBAL}`,
  'runs show': `Usage: tunekit runs show RUN_ID [--json]

Show a run: info, params, tags, a summary of every metric curve (first, last, min, max,
steps) and its top-level artifacts.

${GLOBAL}`,
  'runs fail-stale': `Usage: tunekit runs fail-stale [--older-than-minutes N] [--json]

Mark FAILED the RUNNING runs whose process (on this host) no longer exists; with
--older-than-minutes, also every RUNNING run started longer ago than that.

${GLOBAL}`,
  models: `Usage: tunekit models [--json]

List registered models with their latest version and aliases.

${GLOBAL}`,
  'models show': `Usage: tunekit models show NAME | NAME@ALIAS | NAME/VERSION [--json]

Show a registered model (all versions) or one version with its logged model:
source run, size, sha256, kind, signature.

${GLOBAL}`,
};

const ALLOWED: Record<string, readonly string[]> = {
  experiments: [],
  runs: ['experiment', 'filter', 'order-by', 'max', 'page-token'],
  'runs show': [],
  'runs fail-stale': ['older-than-minutes'],
  models: [],
  'models show': [],
};

class UsageError extends Error {}

export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    io.err(`tunekit: ${(err as Error).message}\nRun 'tunekit --help' for usage.\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    io.out(`${LIBRARY_VERSION}\n`);
    return 0;
  }
  const [command, sub, ...rest] = positionals;
  let name = command ?? 'main';
  if ((command === 'runs' || command === 'models') && (sub === 'show' || (command === 'runs' && sub === 'fail-stale'))) name = `${command} ${sub}`;
  if (name === 'help') {
    io.out(`${HELP.main}\n`);
    return 0;
  }
  if (values.help || name === 'main') {
    const text = HELP[name];
    if (text === undefined) return usage(io, `unknown command '${command}'`);
    io.out(`${text}\n`);
    return name === 'main' && !values.help ? 2 : 0;
  }
  if (!(name in ALLOWED)) return usage(io, `unknown command '${[command, sub].filter(Boolean).join(' ')}'`);
  const allowed = new Set([...ALLOWED[name], 'tracking-uri', 'json', 'help', 'version']);
  for (const key of Object.keys(values)) if (!allowed.has(key)) return usage(io, `option --${key} does not apply to '${name}'`, name);
  const args = name.includes(' ') ? rest : [sub, ...rest].filter((x) => x !== undefined);
  let client: TrackingClient | undefined;
  try {
    const uri = resolveTrackingUri(values['tracking-uri']);
    // Browsing must not leave an empty database behind where none was.
    if (uri.startsWith('sqlite:') && !existsSync(uri.slice('sqlite:'.length).replace(/^\/\//, ''))) {
      throw new TunekitError('NOT_FOUND', `no tracking database at ${uri.slice('sqlite:'.length)} (set --tracking-uri or $${TRACKING_URI_ENV})`);
    }
    client = new TrackingClient(uri);
    const json = values.json === true;
    switch (name) {
      case 'experiments':
        noArgs(args);
        return experiments(client, json, io);
      case 'runs':
        noArgs(args);
        return runs(client, values, json, io);
      case 'runs show':
        return showRun(client, one(args, 'RUN_ID'), json, io);
      case 'runs fail-stale': {
        noArgs(args);
        const minutes = values['older-than-minutes'] === undefined ? undefined : positiveNumber('--older-than-minutes', values['older-than-minutes']);
        const ids = client.markStaleRunsFailed(minutes === undefined ? {} : { olderThanMs: minutes * 60_000 });
        io.out(json ? `${JSON.stringify(ids)}\n` : ids.length ? `${ids.map((id) => `FAILED ${id}`).join('\n')}\n` : 'no stale runs\n');
        return 0;
      }
      case 'models':
        noArgs(args);
        return models(client, json, io);
      default:
        return showModel(client, one(args, 'NAME[@ALIAS|/VERSION]'), json, io);
    }
  } catch (err) {
    if (err instanceof UsageError) return usage(io, err.message, name);
    if (err instanceof TunekitError) {
      io.err(`tunekit: ${err.message}\n`);
      return 1;
    }
    io.err(`tunekit: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  } finally {
    client?.close();
  }
}

function usage(io: CliIo, message: string, command = 'main'): number {
  io.err(`tunekit: ${message}\nRun 'tunekit ${command === 'main' ? '' : `${command} `}--help' for usage.\n`);
  return 2;
}

function noArgs(args: readonly string[]): void {
  if (args.length > 0) throw new UsageError(`unexpected argument '${args[0]}'`);
}

function one(args: readonly string[], what: string): string {
  if (args.length !== 1) throw new UsageError(args.length === 0 ? `missing ${what}` : `unexpected argument '${args[1]}'`);
  return args[0];
}

function positiveNumber(option: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidInputError(`${option} must be a positive number; got ${JSON.stringify(text)}`);
  return n;
}

// Formatting

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join('\n')}\n`;
}

function time(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

function num(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 1e6 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(4) : String(Number(x.toPrecision(6)));
}

function duration(run: Run): string {
  return run.info.endTime === null ? '-' : `${((run.info.endTime - run.info.startTime) / 1000).toFixed(1)}s`;
}

function kv(record: Readonly<Record<string, string>>): string {
  const keys = Object.keys(record).sort();
  return keys.length ? table(['KEY', 'VALUE'], keys.map((k) => [k, record[k]])) : '(none)\n';
}

// Commands

function experiments(client: TrackingClient, json: boolean, io: CliIo): number {
  const list = client.listExperiments();
  if (json) io.out(`${JSON.stringify(list, null, 2)}\n`);
  else if (list.length === 0) io.out(`no experiments in ${client.trackingUri}\n`);
  else {
    io.out(
      table(
        ['ID', 'NAME', 'CREATED', 'TAGS'],
        list.map((e) => [e.experimentId, e.name, time(e.createdAt), Object.entries(e.tags).map(([k, v]) => `${k}=${v}`).join(' ')]),
      ),
    );
  }
  return 0;
}

function runs(client: TrackingClient, values: Record<string, unknown>, json: boolean, io: CliIo): number {
  const names = (values.experiment as string[] | undefined) ?? undefined;
  for (const n of names ?? []) if (!client.getExperimentByName(n)) throw new TunekitError('NOT_FOUND', `unknown experiment '${n}'`);
  const max = values.max === undefined ? 50 : positiveNumber('--max', values.max as string);
  if (!Number.isInteger(max)) throw new InvalidInputError(`--max must be an integer; got ${String(values.max)}`);
  const page = client.searchRuns({
    experimentNames: names,
    filter: values.filter as string | undefined,
    orderBy: values['order-by'] as string[] | undefined,
    maxResults: max,
    pageToken: values['page-token'] as string | undefined,
  });
  if (json) {
    io.out(`${JSON.stringify({ runs: page.runs, nextPageToken: page.nextPageToken ?? null }, null, 2)}\n`);
    return 0;
  }
  if (page.runs.length === 0) {
    io.out('no matching runs\n');
    return 0;
  }
  const expNames = new Map(client.listExperiments().map((e) => [e.experimentId, e.name]));
  io.out(
    table(
      ['RUN ID', 'EXPERIMENT', 'NAME', 'STATUS', 'STARTED', 'DURATION', 'METRICS'],
      page.runs.map((r) => [
        r.info.runId,
        expNames.get(r.info.experimentId) ?? r.info.experimentId,
        r.info.runName ?? '-',
        r.info.status,
        time(r.info.startTime),
        duration(r),
        Object.keys(r.metrics)
          .sort()
          .slice(0, 6)
          .map((k) => `${k}=${num(r.metrics[k].value)}`)
          .join(' '),
      ]),
    ),
  );
  if (page.nextPageToken) io.out(`more runs: --page-token ${page.nextPageToken}\n`);
  return 0;
}

interface CurveSummary {
  key: string;
  steps: number;
  firstStep: number;
  lastStep: number;
  first: number;
  last: number;
  min: number;
  max: number;
}

/** first/last/min/max over one metric's history (NaN points are skipped for min/max). */
export function summarizeCurve(key: string, points: readonly { step: number; value: number }[]): CurveSummary {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const p of points) {
    if (p.value < min) min = p.value;
    if (p.value > max) max = p.value;
  }
  const first = points[0];
  const last = points[points.length - 1];
  return {
    key,
    steps: points.length,
    firstStep: first.step,
    lastStep: last.step,
    first: first.value,
    last: last.value,
    min: min === Number.POSITIVE_INFINITY ? Number.NaN : min,
    max: max === Number.NEGATIVE_INFINITY ? Number.NaN : max,
  };
}

function showRun(client: TrackingClient, runId: string, json: boolean, io: CliIo): number {
  const run = client.getRun(runId);
  const curves = Object.keys(run.metrics)
    .sort()
    .map((k) => summarizeCurve(k, client.getMetricHistory(runId, k)));
  const artifacts = client.listArtifacts(runId);
  if (json) {
    io.out(`${JSON.stringify({ ...run, curves, artifacts }, null, 2)}\n`);
    return 0;
  }
  const exp = client.getExperiment(run.info.experimentId);
  io.out(
    `Run ${run.info.runId}${run.info.runName ? ` (${run.info.runName})` : ''}\n` +
      `  experiment  ${exp.name} (${exp.experimentId})\n` +
      `  status      ${run.info.status}\n` +
      `  started     ${time(run.info.startTime)}\n` +
      `  ended       ${time(run.info.endTime)}  (${duration(run)})\n` +
      (run.info.parentRunId ? `  parent      ${run.info.parentRunId}\n` : '') +
      `  artifacts   ${run.info.artifactUri}\n\nParams\n${kv(run.params)}\nMetrics\n` +
      (curves.length
        ? table(
            ['KEY', 'LAST', 'MIN', 'MAX', 'FIRST', 'STEPS', 'STEP RANGE'],
            curves.map((c) => [c.key, num(c.last), num(c.min), num(c.max), num(c.first), String(c.steps), `${c.firstStep}..${c.lastStep}`]),
          )
        : '(none)\n') +
      `\nTags\n${kv(run.tags)}\nArtifacts\n` +
      (artifacts.length ? `${artifacts.map((a) => `  ${a.path}${a.isDir ? '/' : `  (${a.size} bytes)`}`).join('\n')}\n` : '(none)\n'),
  );
  return 0;
}

function models(client: TrackingClient, json: boolean, io: CliIo): number {
  const list = client.listRegisteredModels();
  if (json) io.out(`${JSON.stringify(list, null, 2)}\n`);
  else if (list.length === 0) io.out(`no registered models in ${client.trackingUri}\n`);
  else {
    io.out(
      table(
        ['NAME', 'LATEST', 'ALIASES', 'UPDATED', 'DESCRIPTION'],
        list.map((m) => [
          m.name,
          m.latestVersion === null ? '-' : String(m.latestVersion),
          Object.entries(m.aliases)
            .map(([a, v]) => `${a}=v${v}`)
            .join(' ') || '-',
          time(m.updatedAt),
          m.description,
        ]),
      ),
    );
  }
  return 0;
}

function showModel(client: TrackingClient, spec: string, json: boolean, io: CliIo): number {
  const at = spec.lastIndexOf('@');
  const slash = spec.lastIndexOf('/');
  if (at < 0 && slash < 0) {
    const model = client.getRegisteredModel(spec);
    const versions = client.listModelVersions(spec);
    if (json) {
      io.out(`${JSON.stringify({ ...model, versions }, null, 2)}\n`);
      return 0;
    }
    io.out(
      `Registered model ${model.name}\n  description  ${model.description || '-'}\n  updated      ${time(model.updatedAt)}\n\nTags\n${kv(model.tags)}\nVersions\n` +
        (versions.length
          ? table(
              ['VERSION', 'ALIASES', 'RUN', 'CREATED', 'SOURCE'],
              versions.map((v) => [String(v.version), v.aliases.join(' ') || '-', v.runId ?? '-', time(v.createdAt), v.source]),
            )
          : '(none)\n'),
    );
    return 0;
  }
  const uri = `models:/${spec}`;
  const { version } = client.resolveModelUri(uri);
  const mv = version as ModelVersion;
  let logged: LoggedModel | undefined;
  let problem = '';
  try {
    logged = client.getLoggedModel(uri);
  } catch (err) {
    problem = err instanceof Error ? err.message : String(err);
  }
  if (json) {
    io.out(`${JSON.stringify({ version: mv, loggedModel: logged ?? null }, null, 2)}\n`);
    return 0;
  }
  io.out(
    `Model ${mv.name} version ${mv.version}${mv.aliases.length ? ` (${mv.aliases.map((a) => `@${a}`).join(' ')})` : ''}\n` +
      `  source       ${mv.source}\n  run          ${mv.runId ?? '-'}\n  created      ${time(mv.createdAt)}\n  description  ${mv.description || '-'}\n`,
  );
  if (logged) {
    io.out(
      `  kind         ${logged.kind ?? '-'}${logged.libraryVersion ? ` (tunekit ${logged.libraryVersion})` : ''}\n` +
        `  size         ${logged.size} bytes\n  sha256       ${logged.sha256}\n`,
    );
    if (logged.signature) {
      io.out(`\nSignature inputs\n${table(['NAME', 'TYPE'], logged.signature.inputs.map((c) => [c.name, c.type]))}`);
      if (logged.signature.outputs) io.out(`\nSignature outputs\n${table(['NAME', 'TYPE'], logged.signature.outputs.map((c) => [c.name, c.type]))}`);
    }
    if (logged.inputExample !== null) io.out(`\nInput example\n${JSON.stringify(logged.inputExample)}\n`);
  } else io.out(`  logged model unavailable: ${problem}\n`);
  io.out(`\nTags\n${kv(mv.tags)}`);
  return 0;
}
