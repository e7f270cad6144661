export * from './generate.js';
export * from './models.js';
export * from './predict.js';
export * from './seq2seq.js';
