import { mapElements, type RefContext, type RefTensor } from '../tensor.js';

export const relu = (_: RefContext, a: RefTensor): RefTensor => mapElements(a, (v) => (v > 0 ? v : 0));
