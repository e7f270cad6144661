import type { Tensor } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';
import { TfjsTensor } from '../tensor.js';

/** Releases a handle and its tf.Tensor. Disposing twice is a no-op. */
export function dispose(be: TfjsBackend, x: Tensor): void {
  if (x instanceof TfjsTensor && x.owner === be) {
    be.release(x);
    return;
  }
  be.unwrap(x, 'x'); // throws the right BACKEND_MISMATCH error
}
