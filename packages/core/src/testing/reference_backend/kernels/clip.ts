import { mapElements, type RefContext, type RefTensor } from '../tensor.js';

export const clip = (_: RefContext, a: RefTensor, lo: number, hi: number): RefTensor => mapElements(a, (v) => Math.min(hi, Math.max(lo, v)));
