/**
 * The one list of model kinds. Importing this module registers them all in `modelKinds`.
 * Add a kind by importing its `ModelKind` entry and listing it below.
 */
import { extraTreesKind, randomForestKind } from './ensemble/forest.js';
import { gradientBoostingKind } from './ensemble/gbdt.js';
import { linearKinds } from './linear/estimators.js';
import { logisticRegressionKind } from './linear/logistic.js';
import { mlpRegressorKind } from './neural/mlp.js';
import { type ModelKind, modelKinds } from './registry.js';

const ALL_KINDS: readonly ModelKind[] = [...linearKinds, logisticRegressionKind, randomForestKind, extraTreesKind, gradientBoostingKind, mlpRegressorKind];

for (const k of ALL_KINDS) if (!modelKinds.has(k.kind)) modelKinds.register(k.kind, k);

export { modelKinds };
