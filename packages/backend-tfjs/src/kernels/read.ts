import type { Tensor } from '@rnnkit/core';
import type { TfjsBackend } from '../backend.js';

/** The tensor's values as a new Float32Array the caller owns. */
export async function read(be: TfjsBackend, x: Tensor): Promise<Float32Array> {
  const t = be.unwrap(x, 'x');
  be.activate();
  const data = (await t.data()) as Float32Array;
  // tfjs-backend-cpu hands out its own storage; copy so the caller can't write into the tensor.
  return be.engineKind === 'cpu' ? data.slice() : data;
}
