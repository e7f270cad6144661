/** The `@tensorflow/tfjs-core` namespace, loaded lazily by `createTfjsBackend` (never at import). */
export type Tf = typeof import('@tensorflow/tfjs-core');
export type TfTensor = import('@tensorflow/tfjs-core').Tensor;
