import { parseArgs } from 'node:util';
import { TunekitError } from '../core/errors.js';
import { LIBRARY_VERSION } from '../core/version.js';
import { DEFAULT_TRACKING_URI, TRACKING_URI_ENV, resolveTrackingUri } from '../tracking/stores/index.js';
import { type CliIo, type Command, type OptionSpec, type OptionValues, UsageError, clientOpener } from './command.js';
import { COMMAND_GROUPS } from './commands.js';

/**
 * The `tunekit` command line. `main` returns the exit code: 0 ok, 1 failure (a message on
 * stderr), 2 bad usage. Commands come from one table (commands.ts); lookups go through a Map, so
 * no command name (`constructor`, `__proto__`) can reach an object's prototype.
 */

export type { CliIo } from './command.js';

const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  'tracking-uri': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
};

const GLOBAL_HELP = `Options for every command:
  --tracking-uri URI   store to use (default: $${TRACKING_URI_ENV}, else ${DEFAULT_TRACKING_URI})
  --json               machine-readable output
  -h, --help           help for a command`;

/** The commands by name, and the union of their options (one parse for every command). */
function buildTable(groups: readonly (readonly Command[])[]): { commands: Map<string, Command>; options: Record<string, OptionSpec> } {
  const commands = new Map<string, Command>();
  const options: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS };
  for (const command of groups.flat()) {
    if (commands.has(command.name)) throw new Error(`tunekit CLI: command '${command.name}' is defined twice`);
    commands.set(command.name, command);
    for (const [name, spec] of Object.entries(command.options ?? {})) {
      const seen = options[name];
      if (seen && (seen.type !== spec.type || Boolean(seen.multiple) !== Boolean(spec.multiple) || seen.short !== spec.short)) {
        throw new Error(`tunekit CLI: option --${name} is declared differently by two commands`);
      }
      options[name] = spec;
    }
  }
  return { commands, options };
}

const TABLE = buildTable(COMMAND_GROUPS);

function mainHelp(commands: Map<string, Command>): string {
  const rows = [...commands.values()].map((c) => [c.synopsis ? `${c.name} ${c.synopsis}` : c.name, c.summary]);
  const width = Math.max(...rows.map((r) => r[0].length));
  const lines = rows.map(([left, right]) => (left.length > width ? `  ${left}\n  ${''.padEnd(width)}  ${right}` : `  ${left.padEnd(width)}  ${right}`));
  return `tunekit ${LIBRARY_VERSION} — train, tune, track and serve tabular models

Usage: tunekit <command> [options]

Commands:
${lines.join('\n')}

${GLOBAL_HELP}`;
}

function usage(io: CliIo, message: string, command?: string): number {
  io.err(`tunekit: ${message}\nRun 'tunekit ${command ? `${command} ` : ''}--help' for usage.\n`);
  return 2;
}

export async function main(argv: readonly string[], io: CliIo, groups?: readonly (readonly Command[])[]): Promise<number> {
  const { commands, options } = groups ? buildTable(groups) : TABLE;
  let values: OptionValues;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true }) as { values: OptionValues; positionals: string[] });
  } catch (err) {
    return usage(io, (err as Error).message);
  }
  if (values.version) {
    io.out(`${LIBRARY_VERSION}\n`);
    return 0;
  }
  const [first, second] = positionals;
  if (first === undefined || first === 'help') {
    io.out(`${mainHelp(commands)}\n`);
    return first === undefined && !values.help ? 2 : 0;
  }
  const two = second === undefined ? undefined : commands.get(`${first} ${second}`);
  const command = two ?? commands.get(first);
  if (command === undefined) return usage(io, `unknown command '${first}'`);
  if (values.help) {
    io.out(`${command.help}\n\n${GLOBAL_HELP}\n`);
    return 0;
  }
  const allowed = new Set([...Object.keys(command.options ?? {}), ...Object.keys(GLOBAL_OPTIONS)]);
  for (const key of Object.keys(values)) if (!allowed.has(key)) return usage(io, `option --${key} does not apply to '${command.name}'`, command.name);

  const trackingUri = resolveTrackingUri(typeof values['tracking-uri'] === 'string' ? values['tracking-uri'] : undefined);
  const opener = clientOpener(trackingUri);
  try {
    const code = await command.run({
      args: positionals.slice(two ? 2 : 1),
      options: values,
      json: values.json === true,
      io,
      trackingUri,
      client: opener.open,
    });
    return code ?? 0;
  } catch (err) {
    if (err instanceof UsageError) return usage(io, err.message, command.name);
    if (err instanceof TunekitError) {
      io.err(`tunekit: ${err.message}\n`);
      return 1;
    }
    // Not an error tunekit raises on purpose: a short message, the stack only when asked for.
    const detail = process.env.TUNEKIT_DEBUG && err instanceof Error ? (err.stack ?? err.message) : err instanceof Error ? err.message : String(err);
    io.err(`tunekit: unexpected error: ${detail}\n`);
    return 1;
  } finally {
    try {
      await opener.close();
    } catch {
      // Closing cannot change the outcome worth reporting.
    }
  }
}

/**
 * Run the CLI on this process's arguments and streams (what bin/tunekit.js calls). Output to a
 * pipe whose reader has gone (`tunekit runs | head`) ends quietly: further output is dropped.
 */
export async function run(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  let stdoutClosed = false;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') stdoutClosed = true;
    else process.stderr.write(`tunekit: cannot write output: ${err.message}\n`);
  });
  process.stderr.on('error', () => {});
  return main(argv, {
    out: (text) => {
      if (!stdoutClosed) process.stdout.write(text);
    },
    err: (text) => process.stderr.write(text),
  });
}
