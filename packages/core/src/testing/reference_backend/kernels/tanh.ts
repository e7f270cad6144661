import { type RefContext, type RefTensor, mapElements } from '../tensor.js';

export const tanh = (_: RefContext, a: RefTensor): RefTensor => mapElements(a, Math.tanh);
