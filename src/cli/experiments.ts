import { type Command, noArgs } from './command.js';
import { jsonText, table, time } from './format.js';

export const experimentCommands: readonly Command[] = [
  {
    name: 'experiments',
    summary: 'list experiments',
    help: `Usage: tunekit experiments [--json]

List experiments with their ids and tags.`,
    async run(ctx) {
      noArgs(ctx);
      const client = await ctx.client();
      const list = await client.listExperiments();
      if (ctx.json) ctx.io.out(jsonText(list));
      else if (list.length === 0) ctx.io.out(`no experiments in ${client.trackingUri}\n`);
      else {
        ctx.io.out(
          table(
            ['ID', 'NAME', 'CREATED', 'TAGS'],
            list.map((e) => [e.experimentId, e.name, time(e.createdAt), Object.entries(e.tags).map(([k, v]) => `${k}=${v}`).join(' ')]),
          ),
        );
      }
      return 0;
    },
  },
];
