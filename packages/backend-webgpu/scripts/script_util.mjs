// What the measuring scripts here share: `--name value` arguments, the median, a layer spec.

/** The value after `--name` on the command line, else `dflt`. */
export const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};

/** The median of a list of numbers (the mean of the middle two for an even count). */
export const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** One batch-first, biased recurrent layer's spec (PyTorch's GRU variant), as apps/bench builds them. */
export const layerSpec = (cell, inputSize, hiddenSize) => ({
  type: 'recurrent',
  cell,
  inputSize,
  hiddenSize,
  numLayers: 1,
  bidirectional: false,
  dropout: 0,
  batchFirst: true,
  bias: true,
  gruResetAfter: true,
});
