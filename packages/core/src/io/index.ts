export * from './model_io.js';
export * from './safetensors.js';
