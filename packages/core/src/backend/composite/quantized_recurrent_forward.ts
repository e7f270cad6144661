import { gateCount } from '../../cells.js';
import { RnnkitError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import type { Backend, QuantizedRecurrentForwardArgs, RecurrentForwardResult } from '../backend.js';
import type { RecurrentProjections } from './recurrent_forward.js';
import { compositeRecurrence } from './recurrent_forward.js';

/**
 * Inference-only recurrent forward with int8 weights, on the backend's `quantizedMatmul` (native
 * or core's) and the float primitives: the recurrence of the float composite with each GEMM
 * replaced by the int8 product. GRU reset-before takes its r,z and n columns from full products
 * ([B, 3H]); quantization is per output row and per activation row, so the columns equal those
 * of a product with the sliced weights.
 */
export function compositeQuantizedRecurrentForward(be: Backend, a: QuantizedRecurrentForwardArgs): RecurrentForwardResult {
  if (a.batchFirst) {
    throw new RnnkitError('UNSUPPORTED', 'batchFirst: the composite recurrent kernels are time-major only (core re-lays the input out for them)', {
      argument: 'batchFirst',
    });
  }
  const G = gateCount(a.cell);
  const H = a.weightHh.shape[1];
  const columns = (p: Tensor, start: number, width: number): Tensor => {
    try {
      return be.sliceColumns(p, start, width);
    } finally {
      be.dispose(p);
    }
  };
  const proj: RecurrentProjections = {
    input: (x2) => be.quantizedMatmul({ x: x2, weight: a.weightIh, bias: a.biasIh }),
    hidden: (h) => be.quantizedMatmul({ x: h, weight: a.weightHh, bias: a.biasHh }),
    hiddenRZ: (h) => columns(be.quantizedMatmul({ x: h, weight: a.weightHh, bias: a.biasHh }), 0, 2 * H),
    hiddenN: (rh) => columns(be.quantizedMatmul({ x: rh, weight: a.weightHh, bias: a.biasHh }), 2 * H, (G - 2) * H),
    dispose: () => {},
  };
  return compositeRecurrence(be, { ...a, training: false }, H, proj);
}
