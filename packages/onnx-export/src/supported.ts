import type { ModelSpec, RecurrentSpec } from '@rnnkit/core';
import { formatShape, modelParams, RnnkitError, sizeOf, validateModelSpec } from '@rnnkit/core';
import { describeValue as describe } from '@rnnkit/core/backend';
import type { ResolvedOptions } from './options.js';

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
