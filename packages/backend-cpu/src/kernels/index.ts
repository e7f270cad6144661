// This module is the kernel table: each export is one kernel, one file per op named after it,
// and backend.ts hands the module to defineBackend as it is.
// The cpu kernel table: every primitive, plus its own fused recurrent forward and backward (both
// engines, batch-first too) and the MSE pass. sgdUpdate and adamUpdate run core's composite
// versions. Each kernel reads `ctx.wasm` to pick the SIMD engine where it has one.
export { add } from './add.js';
export { addRowVector } from './add_row_vector.js';
export { affine } from './affine.js';
export { clip } from './clip.js';
export { concatColumns } from './concat_columns.js';
export { concatRows } from './concat_rows.js';
export { div } from './div.js';
export { gatherRows } from './gather_rows.js';
export { matmul } from './matmul.js';
export { mul } from './mul.js';
export { mulColumnVector } from './mul_column_vector.js';
export { recurrentBackward } from './recurrent_backward.js';
export { recurrentForward } from './recurrent_forward.js';
export { relu } from './relu.js';
export { reluBackward } from './relu_backward.js';
export { scatterAddRows } from './scatter_add_rows.js';
export { sigmoid } from './sigmoid.js';
export { sigmoidBackward } from './sigmoid_backward.js';
export { sliceColumns } from './slice_columns.js';
export { sliceRows } from './slice_rows.js';
export { softmax } from './softmax.js';
export { softmaxCrossEntropy } from './softmax_cross_entropy.js';
export { sqrt } from './sqrt.js';
export { squaredErrorGrad } from './squared_error_grad.js';
export { sub } from './sub.js';
export { sum } from './sum.js';
export { sumRows } from './sum_rows.js';
export { sumSquares } from './sum_squares.js';
export { tanh } from './tanh.js';
export { tanhBackward } from './tanh_backward.js';
