import { NotFoundError } from '../../core/errors.js';
import { AlreadyExistsError } from '../errors.js';
import { MODEL_VERSION_FIELDS, REGISTERED_MODEL_FIELDS } from '../search/ast.js';
import { byName, type ModelView, readModelField, readVersionField, type VersionView, versionTieBreak } from '../search/readers.js';
import { prepareSearch, searchInMemory } from '../search/query.js';
import type { ModelRegistryStore } from '../store.js';
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

interface MemVersion extends VersionView {
  name: string;
  description: string;
  readonly tags: Map<string, string>;
  stage: ModelStage;
  updatedAt: number;
}

interface MemModel extends ModelView {
  name: string;
  description: string;
  readonly tags: Map<string, string>;
  readonly aliases: Map<string, number>;
  updatedAt: number;
  /** The last version number handed out (deleted numbers are not reused). */
  lastVersion: number;
  readonly versions: Map<number, MemVersion>;
}

/** The model registry half of the memory store. */
export class MemoryRegistry implements ModelRegistryStore {
  private readonly models = new Map<string, MemModel>();

  constructor(readonly uri: string) {}

  private model(name: string): MemModel {
    const m = this.models.get(String(name));
    if (!m) throw new NotFoundError('registered model', String(name));
    return m;
  }

  private version(m: MemModel, version: number): MemVersion {
    const v = m.versions.get(version);
    if (!v) throw new NotFoundError(`version of registered model '${m.name}'`, String(version));
    return v;
  }

  private modelRecord(m: MemModel): RegisteredModel {
    let latest: number | null = null;
    for (const v of m.versions.keys()) if (latest === null || v > latest) latest = v;
    return Object.freeze({
      name: m.name,
      description: m.description,
      tags: recordOf(m.tags),
      aliases: recordOf(m.aliases),
      latestVersion: latest,
      createdAt: m.createdAt,
      updatedAt: m.updatedAt,
    });
  }

  private versionRecord(m: MemModel, v: MemVersion): ModelVersion {
    return Object.freeze({
      name: m.name,
      version: v.version,
      source: v.source,
      runId: v.runId,
      description: v.description,
      tags: recordOf(v.tags),
      aliases: Object.freeze([...m.aliases].filter(([, ver]) => ver === v.version).map(([a]) => a).sort(byName)),
      stage: v.stage,
      status: 'READY' as const,
      createdAt: v.createdAt,
      updatedAt: v.updatedAt,
    });
  }

  async createRegisteredModel(name: string, options: { description?: string; tags?: Tags } = {}): Promise<RegisteredModel> {
    checkModelName(name);
    const tags = checkTags('model tag', options.tags);
    if (this.models.has(name)) throw new AlreadyExistsError('registered model', name);
    const now = Date.now();
    const m: MemModel = {
      name,
      description: String(options.description ?? ''),
      tags: new Map(tags),
      aliases: new Map(),
      createdAt: now,
      updatedAt: now,
      lastVersion: 0,
      versions: new Map(),
    };
    this.models.set(name, m);
    return this.modelRecord(m);
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    return this.modelRecord(this.model(name));
  }

  async searchRegisteredModels(query: SearchRegisteredModelsQuery = {}): Promise<RegisteredModelPage> {
    const q = prepareSearch(query, REGISTERED_MODEL_FIELDS);
    const { items, nextPageToken } = searchInMemory(this.models.values(), q, readModelField, (a, b) => byName(a.name, b.name));
    const models = items.map((m) => this.modelRecord(m));
    return Object.freeze(nextPageToken ? { models, nextPageToken } : { models });
  }

  async updateRegisteredModel(name: string, update: { description?: string }): Promise<RegisteredModel> {
    const m = this.model(name);
    if (update.description !== undefined) m.description = String(update.description);
    m.updatedAt = Date.now();
    return this.modelRecord(m);
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    checkModelName(newName);
    const m = this.model(name);
    if (newName !== name && this.models.has(newName)) throw new AlreadyExistsError('registered model', newName);
    this.models.delete(name);
    m.name = newName;
    for (const v of m.versions.values()) v.name = newName;
    m.updatedAt = Date.now();
    this.models.set(newName, m);
    return this.modelRecord(m);
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    this.model(name);
    this.models.delete(name);
  }

  async setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
    checkKey('model tag', key);
    const m = this.model(name);
    m.tags.set(key, String(value));
    m.updatedAt = Date.now();
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    const m = this.model(name);
    if (!m.tags.delete(key)) throw new NotFoundError(`tag of registered model '${name}'`, String(key));
    m.updatedAt = Date.now();
  }

  async createModelVersion(name: string, input: CreateModelVersionInput): Promise<ModelVersion> {
    const m = this.model(name);
    const tags = checkTags('model version tag', input.tags);
    if (input.runId != null) checkRunId(input.runId);
    const version = ++m.lastVersion;
    const now = Date.now();
    const v: MemVersion = {
      name,
      version,
      source: String(input.source),
      runId: input.runId ?? null,
      description: String(input.description ?? ''),
      tags: new Map(tags),
      stage: 'None',
      createdAt: now,
      updatedAt: now,
    };
    m.versions.set(version, v);
    m.updatedAt = now;
    return this.versionRecord(m, v);
  }

  async getModelVersion(name: string, version: number): Promise<ModelVersion> {
    const m = this.model(name);
    return this.versionRecord(m, this.version(m, checkVersion(version)));
  }

  async searchModelVersions(query: SearchModelVersionsQuery = {}): Promise<ModelVersionPage> {
    const q = prepareSearch(query, MODEL_VERSION_FIELDS);
    const all: MemVersion[] = [];
    for (const model of this.models.values()) all.push(...model.versions.values());
    const { items, nextPageToken } = searchInMemory(all, q, readVersionField, versionTieBreak);
    const versions = items.map((v) => this.versionRecord(this.model(v.name), v));
    return Object.freeze(nextPageToken ? { versions, nextPageToken } : { versions });
  }

  async updateModelVersion(name: string, version: number, update: { description?: string }): Promise<ModelVersion> {
    const m = this.model(name);
    const v = this.version(m, checkVersion(version));
    if (update.description !== undefined) v.description = String(update.description);
    v.updatedAt = Date.now();
    return this.versionRecord(m, v);
  }

  async transitionModelVersionStage(name: string, version: number, stage: ModelStage, archiveExisting = false): Promise<ModelVersion> {
    checkModelStage(stage);
    const m = this.model(name);
    const v = this.version(m, checkVersion(version));
    const now = Date.now();
    if (archiveExisting && (stage === 'Staging' || stage === 'Production')) {
      for (const other of m.versions.values()) {
        if (other !== v && other.stage === stage) {
          other.stage = 'Archived';
          other.updatedAt = now;
        }
      }
    }
    v.stage = stage;
    v.updatedAt = now;
    m.updatedAt = now;
    return this.versionRecord(m, v);
  }

  async deleteModelVersion(name: string, version: number): Promise<void> {
    const m = this.model(name);
    this.version(m, checkVersion(version));
    m.versions.delete(version);
    for (const [alias, v] of m.aliases) if (v === version) m.aliases.delete(alias);
    m.updatedAt = Date.now();
  }

  async setModelVersionTag(name: string, version: number, key: string, value: string): Promise<void> {
    checkKey('model version tag', key);
    const m = this.model(name);
    this.version(m, checkVersion(version)).tags.set(key, String(value));
  }

  async deleteModelVersionTag(name: string, version: number, key: string): Promise<void> {
    const m = this.model(name);
    if (!this.version(m, checkVersion(version)).tags.delete(key)) throw new NotFoundError(`tag of model version ${name}/${version}`, String(key));
  }

  async getLatestVersions(name: string, stages?: readonly ModelStage[]): Promise<ModelVersion[]> {
    const m = this.model(name);
    for (const s of stages ?? []) checkModelStage(s);
    const latest = new Map<ModelStage, MemVersion>();
    for (const v of m.versions.values()) {
      const cur = latest.get(v.stage);
      if (!cur || v.version > cur.version) latest.set(v.stage, v);
    }
    return [...latest.values()]
      .filter((v) => stages === undefined || stages.length === 0 || stages.includes(v.stage))
      .sort((a, b) => a.version - b.version)
      .map((v) => this.versionRecord(m, v));
  }

  async setModelAlias(name: string, alias: string, version: number): Promise<void> {
    checkAlias(alias);
    const m = this.model(name);
    this.version(m, checkVersion(version));
    m.aliases.set(alias, version);
    m.updatedAt = Date.now();
  }

  async deleteModelAlias(name: string, alias: string): Promise<void> {
    const m = this.model(name);
    if (!m.aliases.delete(alias)) throw new NotFoundError(`alias of registered model '${name}'`, String(alias));
    m.updatedAt = Date.now();
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const m = this.model(name);
    const v = m.aliases.get(alias);
    if (v === undefined) throw new NotFoundError(`alias of registered model '${name}'`, String(alias), [...m.aliases.keys()]);
    return this.versionRecord(m, this.version(m, v));
  }

  async close(): Promise<void> {}
}
