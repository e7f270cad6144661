import { type RefContext, type RefTensor, zipElements } from '../tensor.js';

/** dy · y · (1 − y) from the sigmoid output y. */
export const sigmoidBackward = (_: RefContext, y: RefTensor, dy: RefTensor): RefTensor => zipElements(y, dy, (v, g) => g * v * (1 - v));
