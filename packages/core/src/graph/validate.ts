import { CELL_KINDS, isCellKind } from '../cells.js';
import { RnnkitError, describe } from '../errors.js';
import type { LayerSpec, ModelSpec, RecurrentSpec } from './spec.js';
import { recurrentOutputSize } from './spec.js';

function specError(argument: string, expected: string, actual: unknown): never {
  throw new RnnkitError('INVALID_SPEC', `${argument}: expected ${expected}, got ${describe(actual)}`, { argument });
}

function positiveInt(v: unknown, arg: string): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) specError(arg, 'a positive integer', v);
}

function bool(v: unknown, arg: string): void {
  if (typeof v !== 'boolean') specError(arg, 'a boolean', v);
}

export function validateRecurrentSpec(s: RecurrentSpec, at = 'recurrent'): void {
  if (!isCellKind(s.cell)) {
    throw new RnnkitError('UNKNOWN_CELL', `${at}.cell: expected one of ${CELL_KINDS.join(', ')}, got ${describe(s.cell)}`, {
      argument: `${at}.cell`,
    });
  }
  positiveInt(s.inputSize, `${at}.inputSize`);
  positiveInt(s.hiddenSize, `${at}.hiddenSize`);
  positiveInt(s.numLayers, `${at}.numLayers`);
  bool(s.bidirectional, `${at}.bidirectional`);
  bool(s.batchFirst, `${at}.batchFirst`);
  bool(s.bias, `${at}.bias`);
  bool(s.gruResetAfter, `${at}.gruResetAfter`);
  if (typeof s.dropout !== 'number' || !(s.dropout >= 0 && s.dropout < 1)) specError(`${at}.dropout`, 'a number in [0, 1)', s.dropout);
}

/** Checks a layer list end to end: kinds, sizes, and that each layer's input matches the previous output. */
export function validateModelSpec(spec: ModelSpec): void {
  if (spec === null || typeof spec !== 'object') specError('spec', 'an object', spec);
  if (spec.format !== 'rnnkit.model') specError('spec.format', '"rnnkit.model"', spec.format);
  if (spec.version !== 1) specError('spec.version', '1', spec.version);
  if (typeof spec.seed !== 'number' || !Number.isInteger(spec.seed)) specError('spec.seed', 'an integer', spec.seed);
  if (!Array.isArray(spec.layers) || spec.layers.length === 0) specError('spec.layers', 'a non-empty array of layers', spec.layers);
  // What flows between layers: 'ids' (token ids), 'seq' (a [B,T,F] sequence) or 'vec' ([B,F]).
  let flow: { kind: 'ids' | 'seq' | 'vec' | 'any'; features: number } = { kind: 'any', features: -1 };
  spec.layers.forEach((layer: LayerSpec, i) => {
    const at = `spec.layers[${i}]`;
    if (layer === null || typeof layer !== 'object') specError(at, 'a layer object', layer);
    switch (layer.type) {
      case 'embedding':
        positiveInt(layer.numEmbeddings, `${at}.numEmbeddings`);
        positiveInt(layer.embeddingDim, `${at}.embeddingDim`);
        if (i !== 0) specError(`${at}.type`, 'embedding only as the first layer', layer.type);
        flow = { kind: 'seq', features: layer.embeddingDim };
        break;
      case 'recurrent':
        validateRecurrentSpec(layer, at);
        {
          const firstRec = spec.layers.find((l) => l.type === 'recurrent') as RecurrentSpec;
          if (layer.batchFirst !== firstRec.batchFirst) {
            specError(`${at}.batchFirst`, `${firstRec.batchFirst} (every recurrent layer of a model shares one layout)`, layer.batchFirst);
          }
        }
        if (flow.kind === 'vec') specError(`${at}.type`, 'a recurrent layer to follow a sequence, not a single step', layer.type);
        if (flow.features !== -1 && flow.features !== layer.inputSize) {
          specError(`${at}.inputSize`, `${flow.features} (the previous layer's output size)`, layer.inputSize);
        }
        flow = { kind: 'seq', features: recurrentOutputSize(layer) };
        break;
      case 'select':
        if (layer.steps !== 'last' && layer.steps !== 'all') specError(`${at}.steps`, '"last" or "all"', layer.steps);
        if (i === 0 || spec.layers[i - 1].type !== 'recurrent') specError(`${at}.type`, 'select right after a recurrent layer', layer.type);
        flow = { kind: layer.steps === 'last' ? 'vec' : 'seq', features: flow.features };
        break;
      case 'linear':
        positiveInt(layer.inFeatures, `${at}.inFeatures`);
        positiveInt(layer.outFeatures, `${at}.outFeatures`);
        bool(layer.bias, `${at}.bias`);
        if (flow.features !== -1 && flow.features !== layer.inFeatures) {
          specError(`${at}.inFeatures`, `${flow.features} (the previous layer's output size)`, layer.inFeatures);
        }
        flow = { kind: flow.kind === 'vec' ? 'vec' : flow.kind === 'any' ? 'any' : 'seq', features: layer.outFeatures };
        break;
      default:
        specError(`${at}.type`, 'one of recurrent, linear, embedding, select', (layer as { type: unknown }).type);
    }
  });
}
