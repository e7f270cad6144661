import { CELL_KINDS, gateCount, isCellKind } from '../cells.js';
import { describe, RnnkitError } from '../errors.js';
import type { Limits } from '../limits.js';
import { checkLimit, formatCount, resolveLimits } from '../limits.js';
import type { LayerSpec, ModelSpec, RecurrentSpec } from './spec.js';
import { numDirections, recurrentOutputSize } from './spec.js';

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
  if (s === null || typeof s !== 'object') specError(at, 'a recurrent layer spec', s);
  if (!isCellKind(s.cell)) {
    throw new RnnkitError('UNKNOWN_CELL', `${at}.cell: expected one of ${CELL_KINDS.join(', ')}, got ${describe(s.cell)}`, {
      argument: `${at}.cell`,
    });
  }
  positiveInt(s.inputSize, `${at}.inputSize`);
  positiveInt(s.hiddenSize, `${at}.hiddenSize`);
  positiveInt(s.numLayers, `${at}.numLayers`);
  bool(s.bidirectional, `${at}.bidirectional`);
  if (s.direction !== undefined && s.direction !== 'forward' && s.direction !== 'reverse')
    specError(`${at}.direction`, '"forward" or "reverse" (or absent: forward)', s.direction);
  if (s.bidirectional && s.direction === 'reverse') specError(`${at}.direction`, 'absent or "forward" with bidirectional: true', s.direction);
  bool(s.batchFirst, `${at}.batchFirst`);
  bool(s.bias, `${at}.bias`);
  bool(s.gruResetAfter, `${at}.gruResetAfter`);
  if (typeof s.dropout !== 'number' || !(s.dropout >= 0 && s.dropout < 1)) specError(`${at}.dropout`, 'a number in [0, 1)', s.dropout);
}

/**
 * Checks a layer list end to end: kinds, sizes, that each layer's input matches the previous
 * output, and the sizes against `limits` (parameter count, elements per parameter, layer count),
 * computed from the numbers alone before anything is allocated (LIMIT_EXCEEDED).
 */
export function validateModelSpec(spec: ModelSpec, options: { limits?: Partial<Limits> } = {}): void {
  if (options === null || typeof options !== 'object')
    throw new RnnkitError('INVALID_ARGUMENT', `options: expected an object ({ limits }), got ${describe(options)}`, { argument: 'options' });
  const limits = resolveLimits(options.limits);
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) specError('spec', 'an object', spec);
  if (spec.format !== 'rnnkit.model') specError('spec.format', '"rnnkit.model"', spec.format);
  if (spec.version !== 1) specError('spec.version', '1', spec.version);
  if (typeof spec.seed !== 'number' || !Number.isSafeInteger(spec.seed)) specError('spec.seed', 'a (safe) integer', spec.seed);
  if (!Array.isArray(spec.layers) || spec.layers.length === 0) specError('spec.layers', 'a non-empty array of layers', spec.layers);
  checkLimit(limits, 'maxLayers', spec.layers.length, 'spec.layers', 'layers');
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
  checkSpecSizes(spec, limits);
}

/**
 * The spec's parameter count, largest parameter and layer count against `limits`, in float
 * arithmetic from the sizes alone (a spec can ask for 1e9 layers or a 1e18-element matrix;
 * nothing is listed or allocated here). Expects a spec whose fields are already validated.
 */
export function checkSpecSizes(spec: ModelSpec, limits: Readonly<Limits>): void {
  let total = 0;
  let layers = 0;
  spec.layers.forEach((l, i) => {
    const at = `spec.layers[${i}]`;
    const tensors: [string, number][] = [];
    if (l.type === 'recurrent') {
      const G = gateCount(l.cell);
      const H = l.hiddenSize;
      const dirs = numDirections(l);
      layers += l.numLayers * dirs;
      checkLimit(limits, 'maxLayers', layers, `${at}.numLayers`, 'layers in the model (numLayers × directions, summed)', `${l.numLayers} × ${dirs} here`);
      const first = G * H * (l.inputSize + H) + (l.bias ? 2 * G * H : 0);
      const rest = G * H * (H * dirs + H) + (l.bias ? 2 * G * H : 0);
      tensors.push([`${at}.inputSize`, G * H * l.inputSize], [`${at}.hiddenSize`, G * H * Math.max(H, l.numLayers > 1 ? H * dirs : H)]);
      total += dirs * (first + (l.numLayers - 1) * rest);
    } else if (l.type === 'linear') {
      layers += 1;
      tensors.push([`${at}.outFeatures`, l.outFeatures * l.inFeatures]);
      total += l.outFeatures * l.inFeatures + (l.bias ? l.outFeatures : 0);
    } else if (l.type === 'embedding') {
      layers += 1;
      tensors.push([`${at}.numEmbeddings`, l.numEmbeddings * l.embeddingDim]);
      total += l.numEmbeddings * l.embeddingDim;
    } else layers += 1;
    for (const [arg, n] of tensors)
      checkLimit(limits, 'maxTensorElements', n, arg, 'elements in one parameter', `${describeLayer(l)} needs a parameter of ${formatCount(n)}`);
    checkLimit(limits, 'maxParameters', total, at, 'parameters in the model', `the model up to this ${describeLayer(l)} has ${formatCount(total)}`);
    checkLimit(limits, 'maxLayers', layers, at, 'layers in the model');
  });
}

function describeLayer(l: LayerSpec): string {
  switch (l.type) {
    case 'recurrent':
      return `${l.cell} layer (inputSize ${formatCount(l.inputSize)}, hiddenSize ${formatCount(l.hiddenSize)}, numLayers ${formatCount(l.numLayers)}${l.bidirectional ? ', bidirectional' : l.direction === 'reverse' ? ', reverse' : ''})`;
    case 'linear':
      return `linear layer (${formatCount(l.inFeatures)} → ${formatCount(l.outFeatures)})`;
    case 'embedding':
      return `embedding (${formatCount(l.numEmbeddings)} × ${formatCount(l.embeddingDim)})`;
    default:
      return `${l.type} layer`;
  }
}
