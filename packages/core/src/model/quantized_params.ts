import type { QuantizedTensor } from '../backend/backend.js';
import { RnnkitError } from '../errors.js';
import type { LayerSpec } from '../graph/spec.js';
import type { Tensor } from '../tensor.js';

/**
 * Which parameters `quantize(model, { weights: 'int8' })` turns into int8: every recurrent
 * layer's `weight_ih_l*` / `weight_hh_l*` and every linear layer's `weight`. Biases and
 * embedding tables stay float32. `name` is the parameter's name within its layer.
 */
export function isQuantizableParam(layer: LayerSpec, name: string): boolean {
  if (layer.type === 'recurrent') return name.startsWith('weight_ih_l') || name.startsWith('weight_hh_l');
  return layer.type === 'linear' && name === 'weight';
}

/** A layer parameter that is an int8 handle (`uploadQuantized`) rather than a float32 tensor. */
export function isQuantized(t: Tensor | QuantizedTensor): t is QuantizedTensor & Tensor {
  return (t as QuantizedTensor).dtype === 'int8';
}

/** The error of every training path on a quantized model. */
export function inferenceOnly(what: string): RnnkitError {
  return new RnnkitError(
    'UNSUPPORTED',
    `model: ${what}: this model is quantized (int8 weights) and runs inference only; train the float32 model, then quantize it`,
    { argument: 'model' },
  );
}
