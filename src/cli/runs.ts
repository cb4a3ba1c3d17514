import { TunekitError } from '../core/errors.js';
import { summarizeCurve } from '../tracking/summary.js';
import type { Run } from '../tracking/types.js';
import { type Command, listOption, noArgs, numberOption, oneArg, stringOption } from './command.js';
import { jsonText, kv, num, table, time } from './format.js';

function duration(run: Run): string {
  return run.info.endTime === null ? '-' : `${((run.info.endTime - run.info.startTime) / 1000).toFixed(1)}s`;
}

export const runCommands: readonly Command[] = [
  {
    name: 'runs',
    summary: 'search runs (filter, order, paging)',
    help: `Usage: tunekit runs [--experiment NAME]... [--filter EXPR] [--order-by CLAUSE]...
                   [--max N] [--page-token TOKEN] [--json]

Search runs, newest first unless ordered otherwise.
  --experiment NAME     only runs of this experiment (repeatable)
  --filter EXPR         e.g. "metrics.rmse < 6.7 and params.maxDepth = '10'"
                        fields: metrics.K params.K tags.K status run_name run_id
                        start_time end_time parent_run_id; operators: = != < <= > >=
                        like ilike in (...) not in (...) is null, is not null, and or not ( )
  --order-by CLAUSE     e.g. "metrics.rmse asc" (repeatable)
  --max N               page size (default 50)
  --page-token TOKEN    continue from a previous page`,
    options: {
      experiment: { type: 'string', multiple: true },
      filter: { type: 'string' },
      'order-by': { type: 'string', multiple: true },
      max: { type: 'string' },
      'page-token': { type: 'string' },
    },
    async run(ctx) {
      noArgs(ctx);
      const max = numberOption(ctx, 'max', { integer: true }) ?? 50;
      const client = await ctx.client();
      const names = listOption(ctx, 'experiment');
      for (const n of names ?? []) if (!(await client.getExperimentByName(n))) throw new TunekitError('NOT_FOUND', `unknown experiment '${n}'`);
      const page = await client.searchRuns({
        experimentNames: names,
        filter: stringOption(ctx, 'filter'),
        orderBy: listOption(ctx, 'order-by'),
        maxResults: max,
        pageToken: stringOption(ctx, 'page-token'),
      });
      if (ctx.json) {
        ctx.io.out(jsonText({ runs: page.runs, nextPageToken: page.nextPageToken ?? null }));
        return 0;
      }
      if (page.runs.length === 0) {
        ctx.io.out('no matching runs\n');
        return 0;
      }
      const expNames = new Map((await client.listExperiments()).map((e) => [e.experimentId, e.name]));
      ctx.io.out(
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
      if (page.nextPageToken) ctx.io.out(`more runs: --page-token ${page.nextPageToken}\n`);
      return 0;
    },
  },
  {
    name: 'runs show',
    synopsis: 'RUN_ID',
    summary: 'one run: params, tags, metric curves, artifacts',
    help: `Usage: tunekit runs show RUN_ID [--json]

Show a run: info, params, tags, a summary of every metric curve (first, last, min, max,
steps) and its top-level artifacts.`,
    async run(ctx) {
      const runId = oneArg(ctx, 'RUN_ID');
      const client = await ctx.client();
      const run = await client.getRun(runId);
      const curves = [];
      for (const k of Object.keys(run.metrics).sort()) curves.push(summarizeCurve(k, await client.getMetricHistory(runId, k)));
      const artifacts = await client.listArtifacts(runId);
      if (ctx.json) {
        ctx.io.out(jsonText({ ...run, curves, artifacts }));
        return 0;
      }
      const exp = await client.getExperiment(run.info.experimentId);
      ctx.io.out(
        `Run ${run.info.runId}${run.info.runName ? ` (${run.info.runName})` : ''}\n` +
          `  experiment  ${exp.name} (${exp.experimentId})\n` +
          `  status      ${run.info.status}${run.info.lifecycleStage === 'deleted' ? ' (deleted)' : ''}\n` +
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
    },
  },
  {
    name: 'runs fail-stale',
    summary: 'mark RUNNING runs of dead processes FAILED',
    help: `Usage: tunekit runs fail-stale [--older-than-minutes N] [--json]

Mark FAILED the RUNNING runs whose process (on this host) no longer exists; with
--older-than-minutes, also every RUNNING run started longer ago than that.`,
    options: { 'older-than-minutes': { type: 'string' } },
    async run(ctx) {
      noArgs(ctx);
      const minutes = numberOption(ctx, 'older-than-minutes');
      const client = await ctx.client();
      const ids = await client.markStaleRunsFailed(minutes === undefined ? {} : { olderThanMs: minutes * 60_000 });
      ctx.io.out(ctx.json ? `${JSON.stringify(ids)}\n` : ids.length ? `${ids.map((id) => `FAILED ${id}`).join('\n')}\n` : 'no stale runs\n');
      return 0;
    },
  },
];
