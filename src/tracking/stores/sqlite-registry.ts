import type Database from 'better-sqlite3';
import { NotFoundError } from '../../core/errors.js';
import { AlreadyExistsError } from '../errors.js';
import { MODEL_VERSION_FIELDS, REGISTERED_MODEL_FIELDS } from '../search/ast.js';
import { prepareSearch, searchInMemory } from '../search/query.js';
import { byName, type ModelView, readModelField, readVersionField, type VersionView, versionTieBreak } from '../search/readers.js';
import type {
  CreateModelVersionInput,
  ModelStage,
  ModelVersion,
  ModelVersionPage,
  RegisteredModel,
  RegisteredModelPage,
  SearchModelVersionsQuery,
  SearchRegisteredModelsQuery,
  Tags,
} from '../types.js';
import { checkAlias, checkKey, checkModelName, checkModelStage, checkRunId, checkTags, checkVersion, recordOf } from '../validate.js';

interface ModelRow {
  name: string;
  description: string;
  created_at: number;
  updated_at: number;
  last_version: number;
}
interface VersionRow {
  name: string;
  version: number;
  source: string;
  run_id: string | null;
  description: string;
  created_at: number;
  updated_at: number;
  stage: ModelStage;
}
interface TagRow {
  key: string;
  value: string;
}

const MODEL_COLUMNS = 'name, description, created_at, updated_at, last_version';
const VERSION_COLUMNS = 'name, version, source, run_id, description, created_at, updated_at, stage';

/** The model registry half of the SQLite store, synchronous; `SqliteStore` makes it async. */
export class SqliteRegistry {
  private readonly stmt: ReturnType<SqliteRegistry['prepareAll']>;

  constructor(
    private readonly db: Database.Database,
    private readonly immediate: <T>(fn: () => T) => T,
  ) {
    this.stmt = this.prepareAll();
  }

  private prepareAll() {
    const p = (sql: string) => this.db.prepare(sql);
    return {
      insertModel: p('INSERT INTO registered_models (name, description, created_at, updated_at, last_version) VALUES (?, ?, ?, ?, 0)'),
      model: p(`SELECT ${MODEL_COLUMNS} FROM registered_models WHERE name = ?`),
      models: p(`SELECT ${MODEL_COLUMNS} FROM registered_models ORDER BY name`),
      touchModel: p('UPDATE registered_models SET updated_at = ? WHERE name = ?'),
      describeModel: p('UPDATE registered_models SET description = ?, updated_at = ? WHERE name = ?'),
      nextVersion: p('UPDATE registered_models SET last_version = last_version + 1, updated_at = ? WHERE name = ? RETURNING last_version AS v'),
      modelTags: p('SELECT key, value FROM registered_model_tags WHERE name = ?'),
      allModelTags: p('SELECT name, key, value FROM registered_model_tags'),
      setModelTag: p('INSERT INTO registered_model_tags (name, key, value) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value'),
      deleteModelTag: p('DELETE FROM registered_model_tags WHERE name = ? AND key = ?'),
      aliases: p('SELECT alias, version FROM model_aliases WHERE name = ? ORDER BY alias'),
      alias: p('SELECT version FROM model_aliases WHERE name = ? AND alias = ?'),
      setAlias: p('INSERT INTO model_aliases (name, alias, version) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET version = excluded.version'),
      deleteAlias: p('DELETE FROM model_aliases WHERE name = ? AND alias = ?'),
      maxVersion: p('SELECT MAX(version) AS v FROM model_versions WHERE name = ?'),
      insertVersion: p(
        "INSERT INTO model_versions (name, version, source, run_id, description, created_at, updated_at, stage) VALUES (?, ?, ?, ?, ?, ?, ?, 'None')",
      ),
      version: p(`SELECT ${VERSION_COLUMNS} FROM model_versions WHERE name = ? AND version = ?`),
      versionsOf: p(`SELECT ${VERSION_COLUMNS} FROM model_versions WHERE name = ?`),
      allVersions: p(`SELECT ${VERSION_COLUMNS} FROM model_versions`),
      describeVersion: p('UPDATE model_versions SET description = ?, updated_at = ? WHERE name = ? AND version = ?'),
      stageVersion: p('UPDATE model_versions SET stage = ?, updated_at = ? WHERE name = ? AND version = ?'),
      archiveStage: p("UPDATE model_versions SET stage = 'Archived', updated_at = ? WHERE name = ? AND stage = ? AND version != ?"),
      versionTags: p('SELECT key, value FROM model_version_tags WHERE name = ? AND version = ?'),
      allVersionTags: p('SELECT name, version, key, value FROM model_version_tags'),
      setVersionTag: p('INSERT INTO model_version_tags (name, version, key, value) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value'),
      deleteVersionTag: p('DELETE FROM model_version_tags WHERE name = ? AND version = ? AND key = ?'),
      deleteVersion: p('DELETE FROM model_versions WHERE name = ? AND version = ?'),
      deleteVersionTags: p('DELETE FROM model_version_tags WHERE name = ? AND version = ?'),
      deleteVersionAliases: p('DELETE FROM model_aliases WHERE name = ? AND version = ?'),
      deleteModelRows: [
        p('DELETE FROM model_version_tags WHERE name = ?'),
        p('DELETE FROM model_aliases WHERE name = ?'),
        p('DELETE FROM model_versions WHERE name = ?'),
        p('DELETE FROM registered_model_tags WHERE name = ?'),
        p('DELETE FROM registered_models WHERE name = ?'),
      ],
      renameModelRows: [
        p('UPDATE registered_models SET name = ?, updated_at = ? WHERE name = ?'),
        p('UPDATE registered_model_tags SET name = ? WHERE name = ?'),
        p('UPDATE model_versions SET name = ? WHERE name = ?'),
        p('UPDATE model_version_tags SET name = ? WHERE name = ?'),
        p('UPDATE model_aliases SET name = ? WHERE name = ?'),
      ],
    };
  }

  private modelRow(name: string): ModelRow {
    const row = this.stmt.model.get(String(name)) as ModelRow | undefined;
    if (!row) throw new NotFoundError('registered model', String(name));
    return row;
  }

  private modelRecord(row: ModelRow, tags?: readonly TagRow[]): RegisteredModel {
    const tagRows = tags ?? (this.stmt.modelTags.all(row.name) as TagRow[]);
    const aliases = this.stmt.aliases.all(row.name) as { alias: string; version: number }[];
    const max = (this.stmt.maxVersion.get(row.name) as { v: number | null }).v;
    return Object.freeze({
      name: row.name,
      description: row.description,
      tags: recordOf(tagRows.map((t) => [t.key, t.value] as const)),
      aliases: recordOf(aliases.map((a) => [a.alias, a.version] as const)),
      latestVersion: max,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    });
  }

  private versionRow(name: string, version: number): VersionRow {
    const row = this.stmt.version.get(String(name), checkVersion(version)) as VersionRow | undefined;
    if (!row) throw new NotFoundError(`version of registered model '${name}'`, String(version));
    return row;
  }

  private versionRecord(row: VersionRow, tags?: readonly TagRow[]): ModelVersion {
    const tagRows = tags ?? (this.stmt.versionTags.all(row.name, row.version) as TagRow[]);
    const aliases = (this.stmt.aliases.all(row.name) as { alias: string; version: number }[]).filter((a) => a.version === row.version);
    return Object.freeze({
      name: row.name,
      version: row.version,
      source: row.source,
      runId: row.run_id,
      description: row.description,
      tags: recordOf(tagRows.map((t) => [t.key, t.value] as const)),
      aliases: Object.freeze(aliases.map((a) => a.alias)),
      stage: row.stage,
      status: 'READY' as const,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    });
  }

  createRegisteredModel(name: string, options: { description?: string; tags?: Tags } = {}): RegisteredModel {
    checkModelName(name);
    const tags = checkTags('model tag', options.tags);
    return this.immediate(() => {
      if (this.stmt.model.get(name)) throw new AlreadyExistsError('registered model', name);
      const now = Date.now();
      this.stmt.insertModel.run(name, String(options.description ?? ''), now, now);
      for (const [k, v] of tags) this.stmt.setModelTag.run(name, k, v);
      return this.modelRecord(this.modelRow(name));
    });
  }

  getRegisteredModel(name: string): RegisteredModel {
    return this.modelRecord(this.modelRow(name));
  }

  /** Registries are small: filtered and sorted in memory with the memory store's evaluator. */
  searchRegisteredModels(query: SearchRegisteredModelsQuery = {}): RegisteredModelPage {
    const q = prepareSearch(query, REGISTERED_MODEL_FIELDS);
    const tags = groupTags(this.stmt.allModelTags.all() as (TagRow & { name: string })[], (t) => t.name);
    const views = (this.stmt.models.all() as ModelRow[]).map(
      (row): ModelView & { row: ModelRow } => ({ name: row.name, tags: tagMap(tags.get(row.name)), createdAt: row.created_at, updatedAt: row.updated_at, row }),
    );
    const { items, nextPageToken } = searchInMemory(views, q, readModelField, (a, b) => byName(a.name, b.name));
    const models = items.map((v) => this.modelRecord(v.row, tags.get(v.name) ?? []));
    return Object.freeze(nextPageToken ? { models, nextPageToken } : { models });
  }

  updateRegisteredModel(name: string, update: { description?: string }): RegisteredModel {
    return this.immediate(() => {
      const row = this.modelRow(name);
      this.stmt.describeModel.run(update.description !== undefined ? String(update.description) : row.description, Date.now(), name);
      return this.modelRecord(this.modelRow(name));
    });
  }

  renameRegisteredModel(name: string, newName: string): RegisteredModel {
    checkModelName(newName);
    return this.immediate(() => {
      this.modelRow(name);
      if (newName !== name && this.stmt.model.get(newName)) throw new AlreadyExistsError('registered model', newName);
      const [models, ...rest] = this.stmt.renameModelRows;
      models.run(newName, Date.now(), name);
      for (const st of rest) st.run(newName, name);
      return this.modelRecord(this.modelRow(newName));
    });
  }

  deleteRegisteredModel(name: string): void {
    this.immediate(() => {
      this.modelRow(name);
      for (const st of this.stmt.deleteModelRows) st.run(name);
    });
  }

  setRegisteredModelTag(name: string, key: string, value: string): void {
    checkKey('model tag', key);
    this.immediate(() => {
      this.modelRow(name);
      this.stmt.setModelTag.run(name, key, String(value));
      this.stmt.touchModel.run(Date.now(), name);
    });
  }

  deleteRegisteredModelTag(name: string, key: string): void {
    this.immediate(() => {
      this.modelRow(name);
      if (this.stmt.deleteModelTag.run(name, String(key)).changes === 0) throw new NotFoundError(`tag of registered model '${name}'`, String(key));
      this.stmt.touchModel.run(Date.now(), name);
    });
  }

  createModelVersion(name: string, input: CreateModelVersionInput): ModelVersion {
    const tags = checkTags('model version tag', input.tags);
    if (input.runId != null) checkRunId(input.runId);
    return this.immediate(() => {
      this.modelRow(name);
      const now = Date.now();
      const version = (this.stmt.nextVersion.get(now, name) as { v: number }).v;
      this.stmt.insertVersion.run(name, version, String(input.source), input.runId ?? null, String(input.description ?? ''), now, now);
      for (const [k, v] of tags) this.stmt.setVersionTag.run(name, version, k, v);
      return this.versionRecord(this.versionRow(name, version));
    });
  }

  getModelVersion(name: string, version: number): ModelVersion {
    this.modelRow(name);
    return this.versionRecord(this.versionRow(name, version));
  }

  searchModelVersions(query: SearchModelVersionsQuery = {}): ModelVersionPage {
    const q = prepareSearch(query, MODEL_VERSION_FIELDS);
    const tags = groupTags(this.stmt.allVersionTags.all() as (TagRow & { name: string; version: number })[], (t) => `${t.version}/${t.name}`);
    const views = (this.stmt.allVersions.all() as VersionRow[]).map(
      (row): VersionView & { row: VersionRow } => ({
        name: row.name,
        version: row.version,
        runId: row.run_id,
        source: row.source,
        stage: row.stage,
        tags: tagMap(tags.get(`${row.version}/${row.name}`)),
        createdAt: row.created_at,
        updatedAt: row.updated_at,
        row,
      }),
    );
    const { items, nextPageToken } = searchInMemory(views, q, readVersionField, versionTieBreak);
    const versions = items.map((v) => this.versionRecord(v.row, tags.get(`${v.version}/${v.name}`) ?? []));
    return Object.freeze(nextPageToken ? { versions, nextPageToken } : { versions });
  }

  updateModelVersion(name: string, version: number, update: { description?: string }): ModelVersion {
    return this.immediate(() => {
      const row = this.versionRow(name, version);
      this.stmt.describeVersion.run(update.description !== undefined ? String(update.description) : row.description, Date.now(), name, version);
      return this.versionRecord(this.versionRow(name, version));
    });
  }

  transitionModelVersionStage(name: string, version: number, stage: ModelStage, archiveExisting = false): ModelVersion {
    checkModelStage(stage);
    return this.immediate(() => {
      this.versionRow(name, version);
      const now = Date.now();
      if (archiveExisting && (stage === 'Staging' || stage === 'Production')) this.stmt.archiveStage.run(now, name, stage, version);
      this.stmt.stageVersion.run(stage, now, name, version);
      this.stmt.touchModel.run(now, name);
      return this.versionRecord(this.versionRow(name, version));
    });
  }

  deleteModelVersion(name: string, version: number): void {
    this.immediate(() => {
      this.versionRow(name, version);
      this.stmt.deleteVersionTags.run(name, version);
      this.stmt.deleteVersionAliases.run(name, version);
      this.stmt.deleteVersion.run(name, version);
      this.stmt.touchModel.run(Date.now(), name);
    });
  }

  setModelVersionTag(name: string, version: number, key: string, value: string): void {
    checkKey('model version tag', key);
    this.immediate(() => {
      this.versionRow(name, version);
      this.stmt.setVersionTag.run(name, version, key, String(value));
    });
  }

  deleteModelVersionTag(name: string, version: number, key: string): void {
    this.immediate(() => {
      this.versionRow(name, version);
      if (this.stmt.deleteVersionTag.run(name, version, String(key)).changes === 0) throw new NotFoundError(`tag of model version ${name}/${version}`, String(key));
    });
  }

  getLatestVersions(name: string, stages?: readonly ModelStage[]): ModelVersion[] {
    this.modelRow(name);
    for (const s of stages ?? []) checkModelStage(s);
    const latest = new Map<ModelStage, VersionRow>();
    for (const v of this.stmt.versionsOf.all(name) as VersionRow[]) {
      const cur = latest.get(v.stage);
      if (!cur || v.version > cur.version) latest.set(v.stage, v);
    }
    return [...latest.values()]
      .filter((v) => stages === undefined || stages.length === 0 || stages.includes(v.stage))
      .sort((a, b) => a.version - b.version)
      .map((v) => this.versionRecord(v));
  }

  setModelAlias(name: string, alias: string, version: number): void {
    checkAlias(alias);
    this.immediate(() => {
      this.modelRow(name);
      this.versionRow(name, version);
      this.stmt.setAlias.run(name, alias, version);
      this.stmt.touchModel.run(Date.now(), name);
    });
  }

  deleteModelAlias(name: string, alias: string): void {
    this.immediate(() => {
      this.modelRow(name);
      if (this.stmt.deleteAlias.run(name, String(alias)).changes === 0) throw new NotFoundError(`alias of registered model '${name}'`, String(alias));
      this.stmt.touchModel.run(Date.now(), name);
    });
  }

  getModelVersionByAlias(name: string, alias: string): ModelVersion {
    this.modelRow(name);
    const row = this.stmt.alias.get(name, String(alias)) as { version: number } | undefined;
    if (!row) {
      const known = (this.stmt.aliases.all(name) as { alias: string }[]).map((a) => a.alias);
      throw new NotFoundError(`alias of registered model '${name}'`, String(alias), known);
    }
    return this.versionRecord(this.versionRow(name, row.version));
  }
}

function groupTags<T extends TagRow>(rows: readonly T[], keyOf: (row: T) => string): Map<string, TagRow[]> {
  const out = new Map<string, TagRow[]>();
  for (const r of rows) {
    const k = keyOf(r);
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(r);
  }
  return out;
}

function tagMap(rows: readonly TagRow[] | undefined): Map<string, string> {
  return new Map((rows ?? []).map((t) => [t.key, t.value]));
}
