import { mapElements, type RefContext, type RefTensor } from '../tensor.js';

export const sqrt = (_: RefContext, a: RefTensor): RefTensor => mapElements(a, Math.sqrt);
