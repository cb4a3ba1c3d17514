export * from './dict-vectorizer.js';
export * from './frame.js';
export * from './matrix.js';
