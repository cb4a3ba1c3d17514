/** Runs the `tunekit` CLI in this process against one tracking database, capturing its output. */
import { type CliIo, main } from '../../src/cli/main.js';

export type CliResult = { code: number; out: string; err: string };

export function cliOn(trackingUri: string): (...args: string[]) => Promise<CliResult> {
  return async (...args) => {
    let out = '';
    let err = '';
    const io: CliIo = { out: (t) => (out += t), err: (t) => (err += t) };
    const code = await main(['--tracking-uri', trackingUri, ...args], io);
    return { code, out, err };
  };
}
