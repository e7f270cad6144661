export * from './model_io.js';
export { QUANTIZATION_METADATA_KEY } from './quantized_io.js';
export * from './safetensors.js';
