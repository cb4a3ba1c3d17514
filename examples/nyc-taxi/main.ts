/**
 * The NYC taxi workflow of the MLOps Zoomcamp (modules 1-2) in one command:
 *   npm run example:taxi -- [--quick] [--data-dir DIR] [--json] ...   (--help for all options)
 */
import { TunekitError, closeForestWorkers } from '../../src/index.js';
import { USAGE, UsageError, parseOptions } from './options.js';
import { type WorkflowResult, runTaxiWorkflow } from './workflow.js';

function table(result: WorkflowResult): string {
  const rows = [...result.models, ...result.top5.map((m) => ({ ...m, name: `top-5 refit: ${m.name}` }))];
  const width = Math.max(...rows.map((r) => r.name.length), 5);
  const head = `${'model'.padEnd(width)}  ${'val RMSE'.padStart(9)}  ${'test RMSE'.padStart(9)}  ${'fit s'.padStart(7)}  run id`;
  const lines = rows.map(
    (r) =>
      `${r.name.padEnd(width)}  ${r.valRmse.toFixed(4).padStart(9)}  ${r.testRmse.toFixed(4).padStart(9)}  ${(Number.isFinite(r.fitSeconds) ? r.fitSeconds.toFixed(3) : '-').padStart(7)}  ${r.runId}`,
  );
  return [head, '-'.repeat(head.length), ...lines].join('\n');
}

async function main(): Promise<number> {
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const say = (line: string): void => {
    if (options.json) console.error(line);
    else console.log(line);
  };
  const t0 = performance.now();
  const result = await runTaxiWorkflow(options, { say });
  const seconds = (performance.now() - t0) / 1000;
  if (options.json) {
    console.log(JSON.stringify({ ...result, seconds }, null, 2));
    return 0;
  }
  const uriFlag = `--tracking-uri ${options.trackingUri}`;
  console.log(`\n${table(result)}\n`);
  console.log(`champion: ${result.registered.name} v${result.registered.version} @${result.registered.alias}, test RMSE ${result.registered.testRmse.toFixed(4)}`);
  console.log('predictions from raw records by models:/nyc-taxi-duration@champion:');
  for (const p of result.predictions) {
    console.log(`  PU_DO ${p.PU_DO.padEnd(8)} ${p.trip_distance.toFixed(2).padStart(6)} mi -> ${p.predicted.toFixed(1).padStart(5)} min (actual ${p.actual.toFixed(1)})`);
  }
  console.log(`\nstore: ${options.trackingUri}   (${seconds.toFixed(1)} s in all)`);
  console.log('look at the runs:');
  console.log(`  npx tunekit runs --experiment nyc-taxi-duration --order-by "metrics.val_rmse asc" --max 10 ${uriFlag}`);
  console.log(`  npx tunekit runs show ${result.registered.runId} ${uriFlag}`);
  console.log(`  npx tunekit models show nyc-taxi-duration@champion ${uriFlag}`);
  return 0;
}

main()
  .then(async (code) => {
    await closeForestWorkers();
    process.exitCode = code;
  })
  .catch((err: unknown) => {
    if (err instanceof TunekitError) console.error(`error: ${err.message}`);
    else console.error(err);
    process.exitCode = 1;
  });
