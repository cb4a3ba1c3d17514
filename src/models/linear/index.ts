export * from './coordinate-descent.js';
export * from './estimators.js';
export { type LeastSquaresOptions, type LeastSquaresResult, solveLeastSquares } from './least-squares.js';
export * from './model.js';
export {
  type ClassWeight,
  type LogisticFitInfo,
  LogisticModel,
  LogisticRegression,
  type LogisticRegressionParams,
  type LogisticScheme,
  logisticRegressionKind,
  logisticRegressionParams,
} from './logistic.js';
