import type { KernelTable } from '@rnnkit/core/backend';
import type { WebgpuContext } from '../context.js';
import type { WebgpuTensor } from '../tensor.js';
import { adamUpdate } from './adam_update.js';
import { add } from './add.js';
import { addRowVector } from './add_row_vector.js';
import { affine } from './affine.js';
import { clip } from './clip.js';
import { concatColumns } from './concat_columns.js';
import { concatRows } from './concat_rows.js';
import { div } from './div.js';
import { gatherRows } from './gather_rows.js';
import { matmul } from './matmul.js';
import { mul } from './mul.js';
import { mulColumnVector } from './mul_column_vector.js';
import { recurrentBackward } from './recurrent_backward.js';
import { recurrentForward } from './recurrent_forward.js';
import { relu } from './relu.js';
import { reluBackward } from './relu_backward.js';
import { scatterAddRows } from './scatter_add_rows.js';
import { sgdUpdate } from './sgd_update.js';
import { sigmoid } from './sigmoid.js';
import { sigmoidBackward } from './sigmoid_backward.js';
import { sliceColumns } from './slice_columns.js';
import { sliceRows } from './slice_rows.js';
import { softmax } from './softmax.js';
import { softmaxCrossEntropy } from './softmax_cross_entropy.js';
import { sqrt } from './sqrt.js';
import { sub } from './sub.js';
import { sum } from './sum.js';
import { sumRows } from './sum_rows.js';
import { sumSquares } from './sum_squares.js';
import { tanh } from './tanh.js';
import { tanhBackward } from './tanh_backward.js';

/**
 * The webgpu kernel table: every primitive, and the fused recurrent forward/backward and
 * optimizer updates. It has no squaredErrorGrad: core's composite version (sub, sumSquares,
 * affine) runs on these primitives.
 */
export const webgpuKernels: KernelTable<WebgpuTensor, WebgpuContext> = {
  adamUpdate,
  add,
  addRowVector,
  affine,
  clip,
  concatColumns,
  concatRows,
  div,
  gatherRows,
  matmul,
  mul,
  mulColumnVector,
  recurrentBackward,
  recurrentForward,
  relu,
  reluBackward,
  scatterAddRows,
  sgdUpdate,
  sigmoid,
  sigmoidBackward,
  sliceColumns,
  sliceRows,
  softmax,
  softmaxCrossEntropy,
  sqrt,
  sub,
  sum,
  sumRows,
  sumSquares,
  tanh,
  tanhBackward,
};
