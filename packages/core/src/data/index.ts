export * from './rows.js';
export { readSeries, type Series, type SeriesMatrix } from './series.js';
export * from './sequences.js';
export * from './batches.js';
export * from './padding.js';
export * from './vocab.js';
export * from './normalize.js';
export * from './split.js';
