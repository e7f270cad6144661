import { type RefContext, type RefTensor, zipElements } from '../tensor.js';

/** dy where the relu output y > 0, else 0. */
export const reluBackward = (_: RefContext, y: RefTensor, dy: RefTensor): RefTensor => zipElements(y, dy, (v, g) => (v > 0 ? g : 0));
