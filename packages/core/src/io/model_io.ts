import { checkObject, describe, quote, RnnkitError } from '../errors.js';
import type { ModelSpec } from '../graph/spec.js';
import { validateModelSpec } from '../graph/validate.js';
import type { Limits } from '../limits.js';
import { resolveLimits } from '../limits.js';
import { checkModel, HANDED_OVER, Model, QUANTIZED_WEIGHTS } from '../model/model.js';
import type { ParamInfo } from '../params/names.js';
import { modelParams } from '../params/names.js';
import { formatShape, shapeEquals } from '../tensor.js';
import { QUANTIZATION_METADATA, QUANTIZATION_METADATA_KEY, quantizedStateFromSafetensors, quantizedTensors } from './quantized_io.js';
import type { SafetensorsFile } from './safetensors.js';
import { parseSafetensors, safetensorsToFloat32, serializeSafetensors } from './safetensors.js';

/**
 * Saving and loading models: the graph as JSON (the `ModelSpec`) and the weights as safetensors
 * with PyTorch `state_dict` names.
 *
 * Naming rule. Inside a model a parameter is `{layer index}.{PyTorch name}`, as
 * `torch.nn.Sequential` names its children: `0.weight_ih_l0`, `0.bias_hh_l1_reverse`,
 * `2.weight`, `2.bias`. When reading weights, each tensor name in the file is mapped to a model
 * name in this order:
 * 1. `prefixes` (an option) rewrites a leading prefix, longest first — e.g.
 *    `{ 'rnn.': '0.', 'fc.': '2.' }` for a PyTorch module with `self.rnn` and `self.fc`;
 * 2. a bare recurrent name (`weight_ih_l0`, `bias_hh_l1_reverse`, … — what a plain
 *    `nn.RNN/LSTM/GRU` `state_dict()` holds) belongs to the model's recurrent layer, when it has
 *    exactly one: `weight_ih_l0` → `0.weight_ih_l0` for a model whose layer 0 is that layer;
 * 3. anything else is taken as it is.
 * The mapped names must be exactly the model's parameters (none missing, none extra, no two
 * tensors onto one name), each with the parameter's shape and a floating-point dtype (F32 is
 * read bit for bit; F16/BF16 widen exactly; F64 rounds to float32).
 */

/** Metadata key of the single-file bundle that holds the ModelSpec JSON. */
export const SPEC_METADATA_KEY = 'rnnkit.spec';

const BARE_RECURRENT_NAME = /^(weight|bias)_(ih|hh)_l\d+(_reverse)?$/;

export interface LoadWeightsOptions {
  /** File-name prefix → model-name prefix, applied before the bare-name rule (see the naming rule). */
  prefixes?: Readonly<Record<string, string>>;
  /**
   * Accept NaN and ±Infinity in the weights. Default false: a non-finite value is a NON_FINITE
   * error naming the tensor and index, and nothing changes.
   */
  allowNonFinite?: boolean;
  /** Size limits (the spec's parameter count, the header's size and entries); see `Limits`. */
  limits?: Partial<Limits>;
}

interface CheckedLoadOptions {
  prefixes: [string, string][];
  allowNonFinite: boolean;
  limits: Readonly<Limits>;
}

/** Every load option checked for type (INVALID_ARGUMENT, never INVALID_FILE: the options are the caller's). */
function checkLoadOptions(options: unknown): CheckedLoadOptions {
  if (options === undefined) return { prefixes: [], allowNonFinite: false, limits: resolveLimits(undefined) };
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new RnnkitError('INVALID_ARGUMENT', `options: expected { prefixes, allowNonFinite, limits }, got ${describe(options)}`, { argument: 'options' });
  }
  const o = options as LoadWeightsOptions;
  const p = o.prefixes as unknown;
  if (p !== undefined && (p === null || typeof p !== 'object' || Array.isArray(p))) {
    throw new RnnkitError(
      'INVALID_ARGUMENT',
      `prefixes: expected an object of file prefix → model prefix strings (e.g. { "rnn.": "0." }), got ${describe(p)}`,
      { argument: 'prefixes' },
    );
  }
  const prefixes = Object.entries((p ?? {}) as Record<string, unknown>);
  for (const [from, to] of prefixes) {
    if (typeof to !== 'string')
      throw new RnnkitError('INVALID_ARGUMENT', `prefixes[${quote(from)}]: expected a string, got ${describe(to)}`, { argument: `prefixes[${quote(from)}]` });
  }
  if (o.allowNonFinite !== undefined && typeof o.allowNonFinite !== 'boolean') {
    throw new RnnkitError('INVALID_ARGUMENT', `allowNonFinite: expected a boolean, got ${describe(o.allowNonFinite)}`, { argument: 'allowNonFinite' });
  }
  return { prefixes: prefixes as [string, string][], allowNonFinite: o.allowNonFinite === true, limits: resolveLimits(o.limits) };
}

/** Throws NON_FINITE at the first NaN or ±Infinity of a loaded tensor. */
function checkFiniteWeights(state: ReadonlyMap<string, Float32Array>, argument: string): void {
  for (const [name, v] of state) {
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i])) {
        throw new RnnkitError(
          'NON_FINITE',
          `${argument}[${quote(name)}]: expected finite values, got ${describe(v[i])} at flat index ${i} (pass allowNonFinite: true to load it anyway)`,
          {
            argument: `${argument}[${quote(name)}]`,
          },
        );
      }
    }
  }
}

export interface SaveOptions {
  /** Extra string metadata for the safetensors header. `format: "pt"` is always written, as PyTorch tools expect. */
  metadata?: Readonly<Record<string, string>>;
}

export interface SavedModel {
  /** The ModelSpec as JSON text. */
  spec: string;
  /** The weights as a safetensors file, PyTorch names, float32. */
  weights: Uint8Array;
}

function fileError(message: string, argument: string): never {
  throw new RnnkitError('INVALID_FILE', `${argument}: ${message}`, { argument });
}

function mapName(name: string, infos: readonly ParamInfo[], recurrentPrefix: string | undefined, prefixes: [string, string][]): string {
  for (const [from, to] of prefixes) if (name.startsWith(from)) return to + name.slice(from.length);
  if (recurrentPrefix !== undefined && BARE_RECURRENT_NAME.test(name) && !infos.some((p) => p.name === name)) return recurrentPrefix + name;
  return name;
}

/**
 * The float32 state dict (model names, state_dict order) that a safetensors file holds for
 * `spec`, after every check of the naming rule above. Throws `INVALID_FILE` on any mismatch.
 */
export function stateDictFromSafetensors(
  file: SafetensorsFile,
  spec: ModelSpec,
  options: LoadWeightsOptions = {},
  argument = 'weights',
): Map<string, Float32Array> {
  const o = checkLoadOptions(options);
  if (file.metadata[QUANTIZATION_METADATA_KEY] !== undefined) {
    fileError(
      `this file holds an int8-quantized model (__metadata__["${QUANTIZATION_METADATA_KEY}"]): load it with loadModel or loadModelBundle, which make a quantized model`,
      argument,
    );
  }
  const infos = modelParams(spec);
  const recurrent = spec.layers.flatMap((l, i) => (l.type === 'recurrent' ? [i] : []));
  const recurrentPrefix = recurrent.length === 1 ? `${recurrent[0]}.` : undefined;
  const prefixes = [...o.prefixes];
  prefixes.sort((a, b) => b[0].length - a[0].length);
  const byModelName = new Map<string, string>(); // model name → file name
  for (const fileName of file.tensors.keys()) {
    const modelName = mapName(fileName, infos, recurrentPrefix, prefixes);
    const prior = byModelName.get(modelName);
    if (prior !== undefined) fileError(`tensors ${quote(prior)} and ${quote(fileName)} both map to parameter ${quote(modelName)}`, argument);
    byModelName.set(modelName, fileName);
  }
  const expectedNames = infos.map((p) => `${p.name} ${formatShape(p.shape)}`).join(', ');
  for (const [modelName, fileName] of byModelName) {
    if (!infos.some((p) => p.name === modelName)) {
      const shown = modelName === fileName ? quote(fileName) : `${quote(fileName)} (read as ${quote(modelName)})`;
      fileError(`unexpected tensor ${shown}: the model's parameters are ${expectedNames}`, argument);
    }
  }
  const out = new Map<string, Float32Array>();
  for (const p of infos) {
    const fileName = byModelName.get(p.name);
    if (fileName === undefined) {
      const names = [...file.tensors.keys()];
      const shown = names.slice(0, 8).map(quote).join(', ') + (names.length > 8 ? `, … (${names.length} tensors)` : '');
      fileError(`missing tensor "${p.name}" of shape ${formatShape(p.shape)} (the file has ${shown || 'no tensors'})`, argument);
    }
    const t = file.tensors.get(fileName)!;
    const at = `${argument}[${quote(fileName)}]`;
    if (!shapeEquals(t.shape, p.shape))
      fileError(`expected shape ${formatShape(p.shape)} for parameter "${p.name}", got ${t.dtype} ${formatShape(t.shape)}`, at);
    out.set(p.name, safetensorsToFloat32(t, at));
  }
  if (!o.allowNonFinite) checkFiniteWeights(out, argument);
  return out;
}

function readSpec(spec: string | ModelSpec, argument: string, limits: Readonly<Limits>): ModelSpec {
  let s: unknown = spec;
  if (typeof spec === 'string') {
    try {
      s = JSON.parse(spec);
    } catch (e) {
      throw new RnnkitError('INVALID_SPEC', `${argument}: expected ModelSpec JSON text, got a parse error (${(e as Error).message.slice(0, 200)})`, {
        argument,
        cause: e,
      });
    }
  }
  if (s === null || typeof s !== 'object' || Array.isArray(s)) {
    throw new RnnkitError('INVALID_SPEC', `${argument}: expected a ModelSpec object { format: "rnnkit.model", version, layers, seed }, got ${describe(s)}`, {
      argument,
    });
  }
  validateModelSpec(s as ModelSpec, { limits });
  return structuredClone(s as ModelSpec);
}

/** The weights of `model` as a safetensors file (float32, PyTorch names, state_dict order). */
export async function saveWeights(model: Model, options: SaveOptions = {}): Promise<Uint8Array> {
  checkModel(model);
  checkObject(options, 'options', '{ metadata }');
  const state = await model.stateDict();
  if (model.quantization) {
    // I8 weights with F32 per-row scales (see quantized_io.ts); the float parameters as usual.
    return serializeSafetensors(quantizedTensors(model, state), {
      ...(options.metadata ?? {}),
      format: 'pt',
      [QUANTIZATION_METADATA_KEY]: QUANTIZATION_METADATA,
    });
  }
  const tensors = new Map(model.parameterInfo().map((p) => [p.name, { dtype: 'F32' as const, shape: [...p.shape], data: state.get(p.name)! }]));
  return serializeSafetensors(tensors, { ...(options.metadata ?? {}), format: 'pt' });
}

/**
 * Replaces a model's parameters with the weights of a safetensors file — for example a PyTorch
 * `nn.LSTM` `state_dict()` saved with `safetensors.torch.save_file`, into a model built with the
 * same sizes. Everything is checked before anything changes, so a bad file leaves the model as it was.
 */
export function loadWeights(model: Model, weights: Uint8Array, options: LoadWeightsOptions = {}): void {
  if (!(model instanceof Model)) throw new RnnkitError('INVALID_ARGUMENT', `model: expected a Model, got ${describe(model)}`, { argument: 'model' });
  model.notBusy('loadWeights');
  const o = checkLoadOptions(options);
  const state = stateDictFromSafetensors(parseSafetensors(weights, { limits: o.limits }), model.spec, options);
  model.loadStateDict(state);
}

/** The graph as JSON text and the weights as safetensors. Parameters are read back from the backend if the model is on one. */
export async function saveModel(model: Model, options: SaveOptions = {}): Promise<SavedModel> {
  checkModel(model);
  return { spec: JSON.stringify(model.spec, null, 2), weights: await saveWeights(model, options) };
}

/**
 * A new model (on the host; `to(backend)` it) from a spec (JSON text or object) and safetensors
 * weights. The spec is validated (`INVALID_SPEC`) and the file fully checked (`INVALID_FILE`)
 * before the model is made, so a bad input never yields a partial model.
 */
export function loadModel(spec: string | ModelSpec, weights: Uint8Array, options: LoadWeightsOptions = {}): Model {
  const o = checkLoadOptions(options);
  const s = readSpec(spec, 'spec', o.limits);
  const file = parseSafetensors(weights, { limits: o.limits });
  return modelFromFile(file, s, options, o, 'weights');
}

/** A float32 or (marked in the metadata) int8-quantized model from a parsed file. */
function modelFromFile(file: SafetensorsFile, s: ModelSpec, options: LoadWeightsOptions, o: CheckedLoadOptions, argument: string): Model {
  if (file.metadata[QUANTIZATION_METADATA_KEY] !== undefined) {
    const { floats, quantized } = quantizedStateFromSafetensors(file, s, o.allowNonFinite, argument);
    return new Model(s, floats, { limits: o.limits, [HANDED_OVER]: true, [QUANTIZED_WEIGHTS]: quantized } as never);
  }
  return new Model(s, stateDictFromSafetensors(file, s, options, argument), { limits: o.limits, [HANDED_OVER]: true } as never);
}

/** One safetensors file holding both: the weights, and the spec JSON under `__metadata__["rnnkit.spec"]`. */
export async function saveModelBundle(model: Model, options: SaveOptions = {}): Promise<Uint8Array> {
  checkModel(model);
  checkObject(options, 'options', '{ metadata }');
  return saveWeights(model, { metadata: { ...(options.metadata ?? {}), [SPEC_METADATA_KEY]: JSON.stringify(model.spec) } });
}

/** Reads a file written by `saveModelBundle`. */
export function loadModelBundle(bytes: Uint8Array, options: LoadWeightsOptions = {}): Model {
  const o = checkLoadOptions(options);
  const file = parseSafetensors(bytes, { limits: o.limits });
  const specText = file.metadata[SPEC_METADATA_KEY];
  if (specText === undefined) {
    fileError(
      `expected the model spec in __metadata__["${SPEC_METADATA_KEY}"] (a file from saveModelBundle); this file has only weights — use loadModel(spec, weights) or loadWeights(model, weights)`,
      'bytes',
    );
  }
  const s = readSpec(specText, `bytes.__metadata__["${SPEC_METADATA_KEY}"]`, o.limits);
  return modelFromFile(file, s, options, o, 'bytes');
}
