import { mapElements, type RefContext, type RefTensor } from '../tensor.js';

export const tanh = (_: RefContext, a: RefTensor): RefTensor => mapElements(a, Math.tanh);
