import type { LoggedModel } from '../tracking/client.js';
import type { ModelVersion } from '../tracking/types.js';
import { type Command, noArgs, oneArg } from './command.js';
import { jsonText, kv, table, time } from './format.js';

export const modelCommands: readonly Command[] = [
  {
    name: 'models',
    summary: 'list registered models',
    help: `Usage: tunekit models [--json]

List registered models with their latest version and aliases.`,
    async run(ctx) {
      noArgs(ctx);
      const client = await ctx.client();
      const list = await client.listRegisteredModels();
      if (ctx.json) ctx.io.out(jsonText(list));
      else if (list.length === 0) ctx.io.out(`no registered models in ${client.trackingUri}\n`);
      else {
        ctx.io.out(
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
    },
  },
  {
    name: 'models show',
    synopsis: 'NAME[@ALIAS|/VERSION]',
    summary: 'a registered model or one of its versions',
    help: `Usage: tunekit models show NAME | NAME@ALIAS | NAME/VERSION [--json]

Show a registered model (all versions) or one version with its logged model:
source run, size, sha256, kind, signature.`,
    async run(ctx) {
      const spec = oneArg(ctx, 'NAME[@ALIAS|/VERSION]');
      const client = await ctx.client();
      const { io } = ctx;
      if (!spec.includes('@') && !spec.includes('/')) {
        const model = await client.getRegisteredModel(spec);
        const versions = await client.listModelVersions(spec);
        if (ctx.json) {
          io.out(jsonText({ ...model, versions }));
          return 0;
        }
        io.out(
          `Registered model ${model.name}\n  description  ${model.description || '-'}\n  updated      ${time(model.updatedAt)}\n\nTags\n${kv(model.tags)}\nVersions\n` +
            (versions.length
              ? table(
                  ['VERSION', 'ALIASES', 'STAGE', 'RUN', 'CREATED', 'SOURCE'],
                  versions.map((v) => [String(v.version), v.aliases.join(' ') || '-', v.stage, v.runId ?? '-', time(v.createdAt), v.source]),
                )
              : '(none)\n'),
        );
        return 0;
      }
      const uri = `models:/${spec}`;
      const mv = (await client.resolveModelUri(uri)).version as ModelVersion;
      let logged: LoggedModel | undefined;
      let problem = '';
      try {
        logged = await client.getLoggedModel(uri);
      } catch (err) {
        problem = err instanceof Error ? err.message : String(err);
      }
      if (ctx.json) {
        io.out(jsonText({ version: mv, loggedModel: logged ?? null }));
        return 0;
      }
      io.out(
        `Model ${mv.name} version ${mv.version}${mv.aliases.length ? ` (${mv.aliases.map((a) => `@${a}`).join(' ')})` : ''}\n` +
          `  source       ${mv.source}\n  run          ${mv.runId ?? '-'}\n  stage        ${mv.stage}\n  created      ${time(mv.createdAt)}\n  description  ${mv.description || '-'}\n`,
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
    },
  },
];
