import type { ModelSpec, QuantizedMatrix, RecurrentSpec } from '@rnnkit/core';
import { formatShape, modelParams, RnnkitError, sizeOf, validateModelSpec } from '@rnnkit/core';
import { describeValue as describe } from '@rnnkit/core/backend';
import type { QuantizedForm, ResolvedOptions } from './options.js';

/** Layer kinds this exporter writes. A spec from a newer core with other kinds is UNSUPPORTED. */
const EXPORTABLE_LAYERS = new Set(['recurrent', 'linear', 'embedding', 'select']);

function unsupported(argument: string, feature: string): never {
  throw new RnnkitError('UNSUPPORTED', `${argument}: ${feature} cannot be exported to ONNX`, { argument });
}

/**
 * Everything a graph must satisfy before anything is built: a valid spec (INVALID_SPEC), in
 * a form this exporter can express (UNSUPPORTED, naming the feature), and options that fit it.
 *
 * What is not expressible: a spec format version other than 1 or a layer kind it does not
 * know (from a newer core), and recurrent layers that disagree on batchFirst (rnnkit would
 * reinterpret the axes between them; there is no single ONNX input layout). Dropout needs no
 * check: it only acts in training, and the exported graph is inference.
 */
export function checkExportable(spec: ModelSpec, opts: ResolvedOptions): RecurrentSpec[] {
  if (spec === null || typeof spec !== 'object') {
    throw new RnnkitError('INVALID_SPEC', `spec: expected a model spec object, got ${describe(spec)}`, { argument: 'spec' });
  }
  if (spec.format === 'rnnkit.model' && spec.version !== 1)
    unsupported('spec.version', `model format version ${describe(spec.version)} (this exporter reads version 1)`);
  if (Array.isArray(spec.layers)) {
    spec.layers.forEach((l, i) => {
      const type = (l as { type?: unknown } | null)?.type;
      if (typeof type === 'string' && !EXPORTABLE_LAYERS.has(type)) unsupported(`spec.layers[${i}].type`, `layer type ${describe(type)}`);
    });
  }
  validateModelSpec(spec);
  const recurrent = spec.layers.filter((l): l is RecurrentSpec => l.type === 'recurrent');
  const layout = recurrent[0]?.batchFirst;
  recurrent.forEach((r) => {
    if (r.batchFirst !== layout) {
      const i = spec.layers.indexOf(r);
      unsupported(`spec.layers[${i}].batchFirst`, `a model whose recurrent layers mix batchFirst true and false`);
    }
  });
  if (recurrent.length === 0) {
    if (opts.lengths)
      throw new RnnkitError(
        'INVALID_ARGUMENT',
        'options.lengths: expected a model with a recurrent layer (lengths feed its sequence_lens), got a model without one',
        { argument: 'options.lengths' },
      );
    if (opts.initialState)
      throw new RnnkitError('INVALID_ARGUMENT', 'options.initialState: expected a model with a recurrent layer, got a model without one', {
        argument: 'options.initialState',
      });
  }
  return recurrent;
}

/** A state dict as `Model.stateDict()` returns it, or a plain object with the same entries. */
export type StateDict = ReadonlyMap<string, Float32Array> | Readonly<Record<string, Float32Array>>;

/**
 * Checks that `state` holds exactly the spec's parameters (PyTorch names such as
 * `0.weight_ih_l0`, float32, the right sizes) and returns them as a map.
 */
export function checkStateDict(spec: ModelSpec, state: StateDict): Map<string, Float32Array> {
  if (state === null || typeof state !== 'object') {
    throw new RnnkitError('INVALID_ARGUMENT', `stateDict: expected a Map or object of Float32Array by parameter name, got ${describe(state)}`, {
      argument: 'stateDict',
    });
  }
  const entries = state instanceof Map ? new Map(state) : new Map(Object.entries(state as Record<string, Float32Array>));
  const infos = modelParams(spec);
  for (const p of infos) {
    const v = entries.get(p.name);
    if (v === undefined)
      throw new RnnkitError('INVALID_ARGUMENT', `stateDict: missing parameter "${p.name}" of shape ${formatShape(p.shape)}`, {
        argument: `stateDict.${p.name}`,
      });
    if (!(v instanceof Float32Array) || v.length !== sizeOf(p.shape)) {
      throw new RnnkitError(
        'SHAPE_MISMATCH',
        `stateDict.${p.name}: expected a Float32Array of ${sizeOf(p.shape)} values (shape ${formatShape(p.shape)}), got ${describe(v)}`,
        { argument: `stateDict.${p.name}` },
      );
    }
  }
  for (const k of entries.keys()) {
    if (!infos.some((p) => p.name === k)) {
      throw new RnnkitError('INVALID_ARGUMENT', `stateDict: unexpected parameter "${k}" (expected one of ${infos.map((p) => p.name).join(', ')})`, {
        argument: `stateDict.${k}`,
      });
    }
  }
  return entries;
}

/** How an error message spells a `quantized` form: `{ quantized: 'int8' }` (the API) or `--quantized int8` (the CLI). */
export type SpellForm = (form: QuantizedForm) => string;
export const apiForm: SpellForm = (form) => `{ quantized: '${form}' }`;

const CELL_NAMES = { rnn_tanh: 'RNN', rnn_relu: 'RNN', gru: 'GRU', lstm: 'LSTM' } as const;

/**
 * What `{ quantized: 'int8' }` covers, checked before anything is built: every recurrent layer
 * must be an LSTM (onnxruntime's only int8 recurrent op is `DynamicQuantizeLSTM`; a GRU or RNN
 * layer is UNSUPPORTED, naming the layer and the `'dequantize'` form), and `quantized` must hold
 * each recurrent weight_ih/weight_hh and linear weight as int8 [N, K] with N float32 scales
 * (what `quantize` makes; anything else is INVALID_ARGUMENT / SHAPE_MISMATCH).
 */
export function checkInt8Weights(spec: ModelSpec, quantized: ReadonlyMap<string, QuantizedMatrix>, spell: SpellForm = apiForm): void {
  spec.layers.forEach((l, i) => {
    if (l.type === 'recurrent' && l.cell !== 'lstm') {
      throw new RnnkitError(
        'UNSUPPORTED',
        `model: layers[${i}] is a ${CELL_NAMES[l.cell]} (${l.cell}) layer; ${spell('int8')} writes onnxruntime's DynamicQuantizeLSTM, and onnxruntime has no int8 ${CELL_NAMES[l.cell]} operator, so it covers LSTM and linear layers only — pass ${spell('dequantize')} to export this model with float32 weights (Wq · scale)`,
        { argument: `spec.layers[${i}].cell` },
      );
    }
  });
  for (const p of modelParams(spec)) {
    const dot = p.name.indexOf('.');
    const layer = spec.layers[Number(p.name.slice(0, dot))];
    const local = p.name.slice(dot + 1);
    const wanted =
      layer.type === 'recurrent' ? local.startsWith('weight_ih_l') || local.startsWith('weight_hh_l') : layer.type === 'linear' && local === 'weight';
    if (!wanted) continue;
    const q = quantized.get(p.name);
    const [N, K] = p.shape;
    if (q === undefined) {
      throw new RnnkitError(
        'INVALID_ARGUMENT',
        `model: int8 weight "${p.name}" is missing (a quantized model holds every recurrent and linear weight as int8)`,
        {
          argument: `model.${p.name}`,
        },
      );
    }
    if (
      !(q.data instanceof Int8Array) ||
      !(q.scales instanceof Float32Array) ||
      q.shape?.[0] !== N ||
      q.shape?.[1] !== K ||
      q.data.length !== N * K ||
      q.scales.length !== N
    ) {
      throw new RnnkitError(
        'SHAPE_MISMATCH',
        `model: int8 weight "${p.name}": expected Int8Array [${N}, ${K}] with ${N} float32 scales, got ${describe(q.data)} [${q.shape?.join(', ')}] with ${describe(q.scales)}`,
        { argument: `model.${p.name}` },
      );
    }
  }
}
