// The module's exports: what src/wasm/ calls. One build with plain SIMD and one with relaxed
// SIMD come from these same sources (scripts/build-wasm.mjs).
export { hasFma } from './simd';
export { gemm, gemmPacked, gemmWorkBytes, packB, packedBytes } from './gemm';
export { addRowVector, gruResetAfterStep, gruResetBeforeState, gruResetGates, lstmStep, rnnStep } from './recurrent_forward';
export { columnSums, gruResetAfterStepBack, gruResetBeforeStepBack, gruStepBackUpdate, lstmStepBack, rnnStepBack } from './recurrent_backward';
export { affineArray, binaryArrays, squaredErrorGrad, sumSquaresArray, transposeRows } from './elementwise';
export { quantGroupK, quantizedGemm, quantizeRows, quantPackedBytes, quantRowBytes } from './quantized_gemm';

/** First free byte after the module's static data: where the JS arena starts. */
export function heapBase(): usize {
  return __heap_base;
}
