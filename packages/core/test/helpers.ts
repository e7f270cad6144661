export * from '../src/index.js';
import { variantSpec } from '../src/testing/conformance.js';
/** A small GRU spec (D=3, H=4, batchFirst) for input-check tests. */
export const variantSpecForTest = () => variantSpec('gru');
