import { type RefContext, type RefTensor, mapElements } from '../tensor.js';

export const sigmoid = (_: RefContext, a: RefTensor): RefTensor => mapElements(a, (v) => 1 / (1 + Math.exp(-v)));
