import type { Model, RegressionModel } from '../../src/models/types.js';

/** The model as a regressor (a test of a regression kind fails here when it is not one). */
export function regressor<X>(model: Model<X>): RegressionModel<X> {
  if (model.task !== 'regression') throw new Error(`expected a regression model, got a ${model.task} model of kind '${model.kind}'`);
  return model;
}
