import type { KernelTable, QuantizedKernels } from '@rnnkit/core/backend';
import type { CpuContext, CpuTensor } from '../tensor.js';
import { add } from './add.js';
import { addRowVector } from './add_row_vector.js';
import { affine } from './affine.js';
import { clip } from './clip.js';
import { concatColumns } from './concat_columns.js';
import { concatRows } from './concat_rows.js';
import { disposeQuantized } from './dispose_quantized.js';
import { div } from './div.js';
import { gatherRows } from './gather_rows.js';
import { matmul } from './matmul.js';
import { mul } from './mul.js';
import { mulColumnVector } from './mul_column_vector.js';
import type { CpuQuantized } from './quantized_impl.js';
import { quantizedMatmul } from './quantized_matmul.js';
import { quantizedRecurrentForward } from './quantized_recurrent_forward.js';
import { recurrentBackward } from './recurrent_backward.js';
import { recurrentForward } from './recurrent_forward.js';
import { relu } from './relu.js';
import { reluBackward } from './relu_backward.js';
import { scatterAddRows } from './scatter_add_rows.js';
import { sigmoid } from './sigmoid.js';
import { sigmoidBackward } from './sigmoid_backward.js';
import { sliceColumns } from './slice_columns.js';
import { sliceRows } from './slice_rows.js';
import { softmax } from './softmax.js';
import { softmaxCrossEntropy } from './softmax_cross_entropy.js';
import { sqrt } from './sqrt.js';
import { squaredErrorGrad } from './squared_error_grad.js';
import { sub } from './sub.js';
import { sum } from './sum.js';
import { sumRows } from './sum_rows.js';
import { sumSquares } from './sum_squares.js';
import { tanh } from './tanh.js';
import { tanhBackward } from './tanh_backward.js';
import { uploadQuantized } from './upload_quantized.js';

/**
 * The cpu kernel table: every primitive, plus its own fused recurrent forward and backward (both
 * engines, batch-first too) and the MSE pass. sgdUpdate and adamUpdate run core's composite
 * versions. Each kernel reads `ctx.wasm` to pick the SIMD engine where it has one.
 */
export const cpuKernels: KernelTable<CpuTensor, CpuContext, CpuQuantized> = {
  matmul,
  add,
  sub,
  mul,
  div,
  affine,
  addRowVector,
  mulColumnVector,
  tanh,
  sigmoid,
  relu,
  sqrt,
  clip,
  tanhBackward,
  sigmoidBackward,
  reluBackward,
  sumRows,
  sum,
  sumSquares,
  sliceColumns,
  concatColumns,
  sliceRows,
  concatRows,
  gatherRows,
  scatterAddRows,
  softmaxCrossEntropy,
  softmax,
  recurrentForward,
  recurrentBackward,
  squaredErrorGrad,
};

/**
 * The int8 kernels (the wasm engines only: their integer dot products are the point). The
 * plain TypeScript engine leaves them out, so it runs core's composite ones: the same integer
 * scheme on the host (`info().quantized` is `host` there, `native` on the wasm engines).
 */
export const cpuQuantizedKernels: QuantizedKernels<CpuTensor, CpuContext, CpuQuantized> = {
  uploadQuantized,
  disposeQuantized,
  quantizedMatmul,
  quantizedRecurrentForward,
};
