export * from './coordinate-descent.js';
export * from './estimators.js';
export { type LeastSquaresOptions, type LeastSquaresResult, solveLeastSquares } from './least-squares.js';
export * from './model.js';
