export * from './safetensors.js';
export * from './model_io.js';
