import { existsSync } from 'node:fs';
import { TunekitError } from '../core/errors.js';
import { TrackingClient } from '../tracking/client.js';
import { TRACKING_URI_ENV } from '../tracking/stores/index.js';

/**
 * What a command of the `tunekit` CLI is. A command group is one file exporting its commands;
 * `commands.ts` lists the groups in one table. Options are parsed once for every command (a
 * command declares the ones it takes); `--tracking-uri`, `--json` and `--help` are global.
 */

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  readonly short?: string;
}

export type OptionValues = Readonly<Record<string, string | boolean | readonly string[] | undefined>>;

export interface CommandContext {
  /** Positional arguments after the command's words. */
  readonly args: readonly string[];
  readonly options: OptionValues;
  /** --json: machine-readable output. */
  readonly json: boolean;
  readonly io: CliIo;
  /** --tracking-uri, else $TUNEKIT_TRACKING_URI, else sqlite:tunekit.db. */
  readonly trackingUri: string;
  /**
   * The tracking client, opened on first use and closed when the command ends. `mustExist`
   * (the default): a command that only reads refuses to create a database that is not there.
   */
  client(options?: { mustExist?: boolean }): Promise<TrackingClient>;
}

export interface Command {
  /** The words after `tunekit`: 'runs', 'runs show'. */
  readonly name: string;
  /** Arguments shown after the name in the command list, e.g. 'RUN_ID'. */
  readonly synopsis?: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The command's own --help text (the global options are appended). */
  readonly help: string;
  /** Options this command takes besides the global ones. */
  readonly options?: Readonly<Record<string, OptionSpec>>;
  /** Exit code 0 when it returns nothing. */
  run(ctx: CommandContext): Promise<number | undefined>;
}

/** Bad usage (a missing argument, a malformed option value): exit code 2 with the usage hint. */
export class UsageError extends Error {}

export function noArgs(ctx: CommandContext): void {
  if (ctx.args.length > 0) throw new UsageError(`unexpected argument '${ctx.args[0]}'`);
}

export function oneArg(ctx: CommandContext, what: string): string {
  if (ctx.args.length !== 1) throw new UsageError(ctx.args.length === 0 ? `missing ${what}` : `unexpected argument '${ctx.args[1]}'`);
  return ctx.args[0];
}

export function stringOption(ctx: CommandContext, name: string): string | undefined {
  const v = ctx.options[name];
  return typeof v === 'string' ? v : undefined;
}

export function listOption(ctx: CommandContext, name: string): string[] | undefined {
  const v = ctx.options[name];
  return Array.isArray(v) ? [...v] : undefined;
}

/** A positive number option (`integer`: whole numbers only); a malformed value is a usage error. */
export function numberOption(ctx: CommandContext, name: string, options: { integer?: boolean } = {}): number | undefined {
  const text = stringOption(ctx, name);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0 || (options.integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name} must be a positive ${options.integer ? 'integer' : 'number'}; got ${JSON.stringify(text)}`);
  }
  return n;
}

/** Opens the client lazily for a context; `close` ends it. */
export function clientOpener(trackingUri: string): { open: CommandContext['client']; close(): Promise<void> } {
  let client: TrackingClient | undefined;
  return {
    async open({ mustExist = true } = {}) {
      if (client) return client;
      // Browsing must not leave an empty database behind where none was.
      const file = trackingUri.startsWith('sqlite:') ? trackingUri.slice('sqlite:'.length).replace(/^\/\//, '') : undefined;
      if (mustExist && file !== undefined && !existsSync(file)) {
        throw new TunekitError('NOT_FOUND', `no tracking database at ${file} (set --tracking-uri or $${TRACKING_URI_ENV})`);
      }
      client = new TrackingClient(trackingUri);
      return client;
    },
    async close() {
      await client?.close();
    },
  };
}
