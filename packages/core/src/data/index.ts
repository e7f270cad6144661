export * from './batches.js';
export * from './normalize.js';
export * from './padding.js';
export * from './rows.js';
export * from './sequences.js';
export { readSeries, type Series, type SeriesMatrix } from './series.js';
export * from './split.js';
export * from './vocab.js';
