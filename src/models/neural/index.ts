export { MLPRegressor, type MLPRegressorParams, TRAIN_RMSE, defaultEmbeddingSize, mlpRegressorKind, mlpRegressorParams } from './mlp.js';
export { NEURAL_BACKEND_TAG, NeuralNetworkModel, type NeuralModelState } from './model.js';
export { type NeuralBackend, type NeuralBackendChoice, NeuralBackendError, type NeuralBackendInfo, loadNeuralBackend } from './runtime.js';
