import { mapElements, type RefContext, type RefTensor } from '../tensor.js';

/** a · s + t, computed in double and rounded once. */
export const affine = (_: RefContext, a: RefTensor, s: number, t: number): RefTensor => mapElements(a, (v) => v * s + t);
