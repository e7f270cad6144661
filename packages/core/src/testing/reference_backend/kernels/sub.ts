import { type RefContext, type RefTensor, zipElements } from '../tensor.js';

export const sub = (_: RefContext, a: RefTensor, b: RefTensor): RefTensor => zipElements(a, b, (x, y) => x - y);
