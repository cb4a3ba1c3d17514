/** Starts `child.ts` for one benchmark and collects its record, its crash or its timeout. */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tsxLoaderUrl } from '../src/core/workers.js';
import type { ChildMessage, ChildTask } from './child.js';
import { FROM_SOURCE, MODULE_EXT } from './harness.js';
import type { BenchRecord } from './record.js';

const CHILD = fileURLToPath(new URL(`./child${MODULE_EXT}`, import.meta.url));
const STDERR_TAIL = 2000;

export type IsolatedOutcome = { readonly record: BenchRecord } | { readonly error: string };

export function runIsolated(task: ChildTask, options: { readonly cwd: string; readonly timeoutSeconds: number }): Promise<IsolatedOutcome> {
  return new Promise((resolve) => {
    const child = fork(CHILD, [JSON.stringify(task)], {
      cwd: options.cwd,
      execArgv: [...(FROM_SOURCE ? ['--import', tsxLoaderUrl()] : []), '--expose-gc'],
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    let stderrTail = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    let outcome: IsolatedOutcome | undefined;
    child.on('message', (message: ChildMessage) => {
      outcome = message.type === 'record' ? { record: message.record } : { error: message.message };
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutSeconds * 1000);
    child.on('error', (err) => {
      outcome ??= { error: `could not start the benchmark process: ${err.message}` };
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (outcome) return resolve(outcome);
      const why = timedOut
        ? `timed out after ${options.timeoutSeconds} s`
        : `benchmark process exited (${signal ?? `code ${code}`}) without a result`;
      const tail = lastLines(stderrTail, 6);
      resolve({ error: tail ? `${why}: ${tail}` : why });
    });
  });
}

function lastLines(text: string, n: number): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .slice(-n)
    .join(' | ');
}
