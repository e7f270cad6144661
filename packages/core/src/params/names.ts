import { gateCount } from '../cells.js';
import { checkObject, describe, RnnkitError } from '../errors.js';
import type { LayerSpec, ModelSpec, RecurrentSpec } from '../graph/spec.js';
import { numDirections } from '../graph/spec.js';
import { validateRecurrentSpec } from '../graph/validate.js';
import type { Shape } from '../tensor.js';

/** How a parameter is initialized: U(-bound, bound) or N(0, 1). */
export type ParamInit =
  | {
      /** Uniform on [−bound, bound]. */
      kind: 'uniform';
      /** Half-width of the range: 1/√hiddenSize (recurrent) or 1/√inFeatures (linear), as PyTorch. */
      bound: number;
    }
  | {
      /** Standard normal N(0, 1) (embedding weights, as PyTorch). */
      kind: 'normal';
    };

/** One parameter of a layer or model: its name, shape and default initialization. */
export interface ParamInfo {
  /** PyTorch state_dict name, e.g. `weight_ih_l0_reverse`, or `0.weight_ih_l0` inside a model. */
  name: string;
  /** Shape, PyTorch's: e.g. `[G*H, inputSize]` for `weight_ih` (G gates), `[G*H]` for a bias, `[out, in]` for a linear weight. */
  shape: Shape;
  /** How a new model draws it (seeded by `spec.seed`). */
  init: ParamInit;
}

/** Names of one layer-direction's weights inside a recurrent layer (unprefixed). */
export interface DirectionParamNames {
  /** Input-to-hidden weight, `weight_ih_l{layer}[_reverse]`, shape `[G*H, in]`. */
  weightIh: string;
  /** Hidden-to-hidden weight, `weight_hh_l{layer}[_reverse]`, shape `[G*H, H]`. */
  weightHh: string;
  /** Input-to-hidden bias, `bias_ih_l{layer}[_reverse]`, shape `[G*H]`; absent when the layer has `bias: false`. */
  biasIh?: string;
  /** Hidden-to-hidden bias, `bias_hh_l{layer}[_reverse]`, shape `[G*H]`; absent when the layer has `bias: false`. */
  biasHh?: string;
}

/**
 * PyTorch's parameter names of one stacked layer (`layer`, 0-based) and direction of a recurrent
 * layer, e.g. `weight_ih_l1_reverse`.
 * @throws RnnkitError INVALID_ARGUMENT when `spec` is not an object
 */
export function directionParamNames(spec: RecurrentSpec, layer: number, reverse: boolean): DirectionParamNames {
  checkObject(spec, 'spec', 'a recurrent layer spec');
  const sfx = `_l${layer}${reverse ? '_reverse' : ''}`;
  return {
    weightIh: `weight_ih${sfx}`,
    weightHh: `weight_hh${sfx}`,
    ...(spec.bias ? { biasIh: `bias_ih${sfx}`, biasHh: `bias_hh${sfx}` } : {}),
  };
}

/** Parameters of a recurrent layer in torch.nn.RNN/LSTM/GRU order: per layer, per direction, w_ih, w_hh, b_ih, b_hh. */
export function recurrentParams(spec: RecurrentSpec): ParamInfo[] {
  validateRecurrentSpec(spec, 'spec');
  const G = gateCount(spec.cell);
  const H = spec.hiddenSize;
  const bound = 1 / Math.sqrt(H);
  const init: ParamInit = { kind: 'uniform', bound };
  const out: ParamInfo[] = [];
  for (let k = 0; k < spec.numLayers; k++) {
    const inSize = k === 0 ? spec.inputSize : H * numDirections(spec);
    for (let d = 0; d < numDirections(spec); d++) {
      const n = directionParamNames(spec, k, d === 1);
      out.push({ name: n.weightIh, shape: [G * H, inSize], init });
      out.push({ name: n.weightHh, shape: [G * H, H], init });
      if (n.biasIh && n.biasHh) {
        out.push({ name: n.biasIh, shape: [G * H], init });
        out.push({ name: n.biasHh, shape: [G * H], init });
      }
    }
  }
  return out;
}

/** Parameters of one layer, unprefixed. */
export function layerParams(layer: LayerSpec): ParamInfo[] {
  checkObject(layer, 'layer', 'a layer spec');
  switch (layer.type) {
    case 'recurrent':
      return recurrentParams(layer);
    case 'linear': {
      const init: ParamInit = { kind: 'uniform', bound: 1 / Math.sqrt(layer.inFeatures) };
      return [
        { name: 'weight', shape: [layer.outFeatures, layer.inFeatures], init },
        ...(layer.bias ? [{ name: 'bias', shape: [layer.outFeatures], init }] : []),
      ];
    }
    case 'embedding':
      return [{ name: 'weight', shape: [layer.numEmbeddings, layer.embeddingDim], init: { kind: 'normal' } }];
    case 'select':
      return [];
  }
}

/** All parameters of a model, named as torch.nn.Sequential would name them (`{index}.{name}`). */
export function modelParams(spec: ModelSpec): ParamInfo[] {
  checkObject(spec, 'spec', 'a ModelSpec');
  if (!Array.isArray(spec.layers))
    throw new RnnkitError('INVALID_SPEC', `spec.layers: expected an array of layers, got ${describe(spec.layers)}`, { argument: 'spec.layers' });
  return spec.layers.flatMap((layer, i) => layerParams(layer).map((p) => ({ ...p, name: `${i}.${p.name}` })));
}
