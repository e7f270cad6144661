import type { QuantizedMatrix } from '../backend/backend.js';
import { quote, RnnkitError } from '../errors.js';
import type { ModelSpec } from '../graph/spec.js';
import type { Model } from '../model/model.js';
import { isQuantizableParam } from '../model/quantized_params.js';
import { modelParams } from '../params/names.js';
import { formatShape, shapeEquals } from '../tensor.js';
import type { SafetensorsFile, SafetensorsInput } from './safetensors.js';
import { safetensorsToFloat32, safetensorsToInt8 } from './safetensors.js';

/**
 * A quantized model's safetensors layout: each int8 weight `name` is an I8 tensor [N, K] under
 * its own name plus an F32 tensor [N] of per-row scales under `name + "_scale"`; every other
 * parameter is F32 as usual; `__metadata__["rnnkit.quantization"]` holds
 * `{"weights":"int8","scheme":"rnnkit-int8-v1"}`. A file without that key is a float32 one.
 */
export const QUANTIZATION_METADATA_KEY = 'rnnkit.quantization';
export const QUANTIZATION_METADATA = JSON.stringify({ weights: 'int8', scheme: 'rnnkit-int8-v1' });
const SCALE_SUFFIX = '_scale';

/** The tensors `saveWeights` writes for a quantized model, in state_dict order. */
export function quantizedTensors(model: Model, floats: ReadonlyMap<string, Float32Array>): Map<string, SafetensorsInput> {
  const q = model.quantizedWeights()!;
  const out = new Map<string, SafetensorsInput>();
  for (const p of model.parameterInfo()) {
    const m = q.get(p.name);
    if (!m) {
      out.set(p.name, { dtype: 'F32', shape: [...p.shape], data: floats.get(p.name)! });
      continue;
    }
    out.set(p.name, { dtype: 'I8', shape: [...m.shape], data: m.data });
    out.set(p.name + SCALE_SUFFIX, { dtype: 'F32', shape: [m.shape[0]], data: m.scales });
  }
  return out;
}

function fileError(message: string, argument: string): never {
  throw new RnnkitError('INVALID_FILE', `${argument}: ${message}`, { argument });
}

/**
 * The float32 parameters and int8 weights of a quantized file for `spec` (names exactly the
 * model's: no prefix mapping). Every tensor is checked: names, dtypes, shapes, int8 values in
 * [−127, 127], scales finite and ≥ 0, floats finite unless `allowNonFinite`.
 */
export function quantizedStateFromSafetensors(
  file: SafetensorsFile,
  spec: ModelSpec,
  allowNonFinite: boolean,
  argument: string,
): { floats: Map<string, Float32Array>; quantized: Map<string, QuantizedMatrix> } {
  const meta = file.metadata[QUANTIZATION_METADATA_KEY];
  let parsed: unknown;
  try {
    parsed = JSON.parse(meta ?? '');
  } catch {
    parsed = undefined;
  }
  if ((parsed as { weights?: unknown } | undefined)?.weights !== 'int8' || (parsed as { scheme?: unknown }).scheme !== 'rnnkit-int8-v1') {
    fileError(`expected __metadata__["${QUANTIZATION_METADATA_KEY}"] = ${QUANTIZATION_METADATA}, got ${quote(String(meta).slice(0, 200))}`, argument);
  }
  const infos = modelParams(spec);
  const floats = new Map<string, Float32Array>();
  const quantized = new Map<string, QuantizedMatrix>();
  const expected = new Set<string>();
  for (const p of infos) {
    const dot = p.name.indexOf('.');
    const layer = spec.layers[Number(p.name.slice(0, dot))];
    const at = `${argument}[${quote(p.name)}]`;
    const t = file.tensors.get(p.name);
    if (!t) fileError(`missing tensor ${quote(p.name)} of shape ${formatShape(p.shape)}`, argument);
    if (!shapeEquals(t.shape, p.shape)) fileError(`expected shape ${formatShape(p.shape)}, got ${t.dtype} ${formatShape(t.shape)}`, at);
    expected.add(p.name);
    if (!isQuantizableParam(layer, p.name.slice(dot + 1))) {
      const v = safetensorsToFloat32(t, at);
      if (!allowNonFinite)
        for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) fileError(`expected finite values, got ${v[i]} at flat index ${i}`, at);
      floats.set(p.name, v);
      continue;
    }
    const data = safetensorsToInt8(t, at);
    for (let i = 0; i < data.length; i++) if (data[i] === -128) fileError(`expected int8 values in [-127, 127], got -128 at flat index ${i}`, at);
    const scaleName = p.name + SCALE_SUFFIX;
    const st = file.tensors.get(scaleName);
    const sat = `${argument}[${quote(scaleName)}]`;
    if (!st) fileError(`missing tensor ${quote(scaleName)} (the per-row scales of ${quote(p.name)})`, argument);
    if (st.dtype !== 'F32' || !shapeEquals(st.shape, [p.shape[0]])) fileError(`expected F32 [${p.shape[0]}], got ${st.dtype} ${formatShape(st.shape)}`, sat);
    const scales = safetensorsToFloat32(st, sat);
    for (let i = 0; i < scales.length; i++)
      if (!(scales[i] >= 0 && Number.isFinite(scales[i]))) fileError(`expected finite scales ≥ 0, got ${scales[i]} at index ${i}`, sat);
    expected.add(scaleName);
    quantized.set(p.name, { data, scales, shape: [p.shape[0], p.shape[1]] });
  }
  for (const name of file.tensors.keys()) if (!expected.has(name)) fileError(`unexpected tensor ${quote(name)}`, argument);
  return { floats, quantized };
}
