import { type RefContext, type RefTensor, mapElements } from '../tensor.js';

export const sqrt = (_: RefContext, a: RefTensor): RefTensor => mapElements(a, Math.sqrt);
