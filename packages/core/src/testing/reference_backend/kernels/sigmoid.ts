import { mapElements, type RefContext, type RefTensor } from '../tensor.js';

export const sigmoid = (_: RefContext, a: RefTensor): RefTensor => mapElements(a, (v) => 1 / (1 + Math.exp(-v)));
