import type { Command } from './command.js';
import { experimentCommands } from './experiments.js';
import { modelCommands } from './models.js';
import { runCommands } from './runs.js';
import { trainCommand } from './train.js';
import { tuneCommand } from './tune.js';

/** Every command of the `tunekit` CLI, in the order `tunekit --help` lists them. Add a group here. */
export const COMMAND_GROUPS: readonly (readonly Command[])[] = [experimentCommands, runCommands, modelCommands, [trainCommand, tuneCommand]];
