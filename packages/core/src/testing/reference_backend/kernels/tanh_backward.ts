import { type RefContext, type RefTensor, zipElements } from '../tensor.js';

/** dy · (1 − y²) from the tanh output y. */
export const tanhBackward = (_: RefContext, y: RefTensor, dy: RefTensor): RefTensor => zipElements(y, dy, (v, g) => g * (1 - v * v));
