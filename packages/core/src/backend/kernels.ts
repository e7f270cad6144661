import type { Backend, RecurrentBackwardArgs, RecurrentBackwardResult, RecurrentForwardArgs, RecurrentForwardResult } from './backend.js';
import { compositeRecurrentBackward } from './composite/recurrent_backward.js';
import { compositeRecurrentForward } from './composite/recurrent_forward.js';

/** Runs the backend's fused recurrent forward, or core's composite one when it has none. */
export function recurrentForward(be: Backend, args: RecurrentForwardArgs): RecurrentForwardResult {
  return be.recurrentForward ? be.recurrentForward(args) : compositeRecurrentForward(be, args);
}

/** Runs the backend's fused BPTT, or core's composite one when it has none. */
export function recurrentBackward(be: Backend, args: RecurrentBackwardArgs): RecurrentBackwardResult {
  return be.recurrentBackward ? be.recurrentBackward(args) : compositeRecurrentBackward(be, args);
}
