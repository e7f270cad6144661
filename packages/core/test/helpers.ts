export { batchToTimeMajor, lastStepRows, reverseWithinLengths, timeToBatchMajor } from '../src/backend/index.js';
export * from '../src/index.js';
export { checkRecurrentInputs } from '../src/model/validate_inputs.js';

import { variantSpec } from '../src/testing/conformance.js';
/** A small GRU spec (D=3, H=4, batchFirst) for input-check tests. */
export const variantSpecForTest = () => variantSpec('gru');
