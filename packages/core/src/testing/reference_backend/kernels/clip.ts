import { type RefContext, type RefTensor, mapElements } from '../tensor.js';

export const clip = (_: RefContext, a: RefTensor, lo: number, hi: number): RefTensor => mapElements(a, (v) => Math.min(hi, Math.max(lo, v)));
