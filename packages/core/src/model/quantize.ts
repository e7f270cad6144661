import type { QuantizedMatrix } from '../backend/backend.js';
import { quantizeRows } from '../backend/composite/int8_impl.js';
import { checkObject, describe, RnnkitError } from '../errors.js';
import { checkModel, HANDED_OVER, Model, QUANTIZED_WEIGHTS } from './model.js';
import { isQuantizableParam } from './quantized_params.js';

/** Options of `quantize(model, options)`: the weight format. */
export interface QuantizeOptions {
  /**
   * `int8`: every recurrent layer's weight_ih/weight_hh and every linear layer's weight become
   * int8, symmetric per output row with float32 scales (max|row| / 127); biases and embeddings
   * stay float32. Activations are quantized per row at run time (see docs/guides/quantization.md).
   */
  weights: 'int8';
}

/**
 * A new, inference-only model with int8 weights, on the host (`to(backend)` it); `model` is left
 * as it was. Training it (forward with `training: true`, optimizers, `fit`) is an UNSUPPORTED
 * RnnkitError; `saveModel` writes I8 weights with F32 scales, about 4× smaller.
 */
export async function quantize(model: Model, options: QuantizeOptions): Promise<Model> {
  checkModel(model);
  checkObject(options, 'options', "{ weights: 'int8' }");
  if (options.weights !== 'int8') {
    throw new RnnkitError('INVALID_ARGUMENT', `options.weights: expected 'int8', got ${describe(options.weights)}`, { argument: 'options.weights' });
  }
  if (model.quantization !== undefined) {
    throw new RnnkitError('INVALID_ARGUMENT', `model: it is quantized already (${model.quantization})`, { argument: 'model' });
  }
  const state = await model.stateDict();
  const quantized = new Map<string, QuantizedMatrix>();
  const floats = new Map<string, Float32Array>();
  for (const p of model.parameterInfo()) {
    const dot = p.name.indexOf('.');
    const layer = model.spec.layers[Number(p.name.slice(0, dot))];
    const v = state.get(p.name)!;
    if (isQuantizableParam(layer, p.name.slice(dot + 1))) quantized.set(p.name, quantizeRows(v, p.shape[0], p.shape[1]));
    else floats.set(p.name, v);
  }
  return new Model(model.spec, floats, { limits: model.limits, [HANDED_OVER]: true, [QUANTIZED_WEIGHTS]: quantized } as never);
}
