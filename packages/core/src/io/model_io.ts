import { checkObject, describe, quote, RnnkitError } from '../errors.js';
import type { ModelSpec } from '../graph/spec.js';
import { validateModelSpec } from '../graph/validate.js';
import type { Limits } from '../limits.js';
import { resolveLimits } from '../limits.js';
import { checkModel, HANDED_OVER, Model, QUANTIZED_WEIGHTS } from '../model/model.js';
import type { LoadStateDictResult } from '../params/match_names.js';
import { bareNames, loadResult, matchParamNames, strictMismatchError } from '../params/match_names.js';
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
 * `2.weight`, `2.bias`. Names read from a file map onto them as `params/match_names.ts` says:
 * `prefixes` first, then bare recurrent names (`weight_ih_l0`) onto a model's only recurrent
 * layer, then as they are. With `strict` (the default) the mapped names must be exactly the
 * model's parameters (none missing, none extra; the error lists both); `strict: false` loads the
 * ones that match and reports `{ missing, unexpected }` as `torch.nn.Module.load_state_dict`
 * does. Two tensors onto one name, a wrong shape or a non-float dtype are errors either way (F32
 * is read bit for bit; F16/BF16 widen exactly; F64 rounds to float32).
 */

/** Metadata key of the single-file bundle that holds the ModelSpec JSON. */
export const SPEC_METADATA_KEY = 'rnnkit.spec';

/** Options of `loadWeights`, `loadModel` and `loadModelBundle`: name mapping, value checks, limits and strictness. */
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
  /**
   * Require the file's (mapped) names to be exactly the model's parameters. `false` loads the
   * tensors that match, leaves the other parameters as they are, and `loadWeights` returns
   * `{ missing, unexpected }` (torch's `load_state_dict(strict=False)`). `loadModel` and
   * `loadModelBundle` make a new model and are always strict (they refuse `strict: false`).
   * @defaultValue true
   */
  strict?: boolean;
}

interface CheckedLoadOptions {
  prefixes: [string, string][];
  allowNonFinite: boolean;
  limits: Readonly<Limits>;
  strict: boolean;
}

/** Every load option checked for type (INVALID_ARGUMENT, never INVALID_FILE: the options are the caller's). */
function checkLoadOptions(options: unknown): CheckedLoadOptions {
  if (options === undefined) return { prefixes: [], allowNonFinite: false, limits: resolveLimits(undefined), strict: true };
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new RnnkitError('INVALID_ARGUMENT', `options: expected { prefixes, allowNonFinite, limits, strict }, got ${describe(options)}`, {
      argument: 'options',
    });
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
  if (o.strict !== undefined && typeof o.strict !== 'boolean') {
    throw new RnnkitError('INVALID_ARGUMENT', `strict: expected a boolean, got ${describe(o.strict)}`, { argument: 'strict' });
  }
  return { prefixes: prefixes as [string, string][], allowNonFinite: o.allowNonFinite === true, limits: resolveLimits(o.limits), strict: o.strict !== false };
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

/** Options of `saveModel` and `saveModelBundle`. */
export interface SaveOptions {
  /** Extra string metadata for the safetensors header. `format: "pt"` is always written, as PyTorch tools expect. */
  metadata?: Readonly<Record<string, string>>;
}

/** Options of `saveWeights`: file metadata and how tensors are named. */
export interface SaveWeightsOptions extends SaveOptions {
  /**
   * Tensor names: `model` writes `{layer}.{name}` (`0.weight_ih_l0`, as `nn.Sequential` names
   * them); `bare` drops the prefix of the model's only recurrent layer (`weight_ih_l0`), so a
   * plain `nn.LSTM`/`nn.GRU`/`nn.RNN` loads the file with `load_state_dict` (see `StateDictOptions`).
   * @defaultValue 'model'
   */
  names?: 'model' | 'bare';
}

/** What `saveModel` returns and `loadModel(spec, weights)` takes: the graph and the weights, as two files. */
export interface SavedModel {
  /** The ModelSpec as JSON text. */
  spec: string;
  /** The weights as a safetensors file, PyTorch names, float32. */
  weights: Uint8Array;
}

function fileError(message: string, argument: string): never {
  throw new RnnkitError('INVALID_FILE', `${argument}: ${message}`, { argument });
}

/**
 * The float32 state dict (model names, state_dict order) that a safetensors file holds for
 * `spec`, after every check of the naming rule above. Throws `INVALID_FILE` on any mismatch;
 * with `strict: false` it holds only the parameters the file has.
 */
export function stateDictFromSafetensors(
  file: SafetensorsFile,
  spec: ModelSpec,
  options: LoadWeightsOptions = {},
  argument = 'weights',
): Map<string, Float32Array> {
  return readStateDict(file, spec, checkLoadOptions(options), argument).state;
}

/** stateDictFromSafetensors with the options checked, and what matched. */
function readStateDict(
  file: SafetensorsFile,
  spec: ModelSpec,
  o: CheckedLoadOptions,
  argument: string,
): { state: Map<string, Float32Array>; result: LoadStateDictResult } {
  if (file.metadata[QUANTIZATION_METADATA_KEY] !== undefined) {
    fileError(
      `this file holds an int8-quantized model (__metadata__["${QUANTIZATION_METADATA_KEY}"]): load it with loadModel or loadModelBundle, which make a quantized model`,
      argument,
    );
  }
  const m = matchParamNames(file.tensors, spec, o.prefixes, argument, 'INVALID_FILE');
  if (o.strict && (m.missing.length > 0 || m.unexpected.length > 0)) throw strictMismatchError(m, spec, argument, 'INVALID_FILE', 'tensor');
  const infos = new Map(modelParams(spec).map((p) => [p.name, p]));
  const state = new Map<string, Float32Array>();
  for (const [modelName, [fileName, t]] of m.matched) {
    const p = infos.get(modelName)!;
    const at = `${argument}[${quote(fileName)}]`;
    if (!shapeEquals(t.shape, p.shape))
      fileError(`expected shape ${formatShape(p.shape)} for parameter "${p.name}", got ${t.dtype} ${formatShape(t.shape)}`, at);
    state.set(p.name, safetensorsToFloat32(t, at));
  }
  if (!o.allowNonFinite) checkFiniteWeights(state, argument);
  return { state, result: loadResult(m) };
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

/** The weights of `model` as a safetensors file (float32, PyTorch names, state_dict order; `names: 'bare'` for a plain `nn.LSTM`). */
export async function saveWeights(model: Model, options: SaveWeightsOptions = {}): Promise<Uint8Array> {
  checkModel(model);
  checkObject(options, 'options', '{ metadata, names }');
  if (model.quantization) {
    if (options.names === 'bare') {
      throw new RnnkitError('INVALID_ARGUMENT', "names: an int8-quantized model saves with rnnkit's names (its I8 weights and their scales), got 'bare'", {
        argument: 'names',
      });
    }
    // I8 weights with F32 per-row scales (see quantized_io.ts); the float parameters as usual.
    return serializeSafetensors(quantizedTensors(model, await model.stateDict()), {
      ...(options.metadata ?? {}),
      format: 'pt',
      [QUANTIZATION_METADATA_KEY]: QUANTIZATION_METADATA,
    });
  }
  const state = await model.stateDict(options.names !== undefined ? { names: options.names } : {});
  const infos = new Map(model.parameterInfo().map((p) => [p.name, p]));
  const rename = options.names === 'bare' ? bareNames(model.spec, 'names') : (n: string) => n;
  const modelName = new Map([...infos.keys()].map((n) => [rename(n), n]));
  const tensors = new Map([...state].map(([name, data]) => [name, { dtype: 'F32' as const, shape: [...infos.get(modelName.get(name)!)!.shape], data }]));
  return serializeSafetensors(tensors, { ...(options.metadata ?? {}), format: 'pt' });
}

/**
 * Replaces a model's parameters with the weights of a safetensors file — for example a PyTorch
 * `nn.LSTM` `state_dict()` saved with `safetensors.torch.save_file`, into a model built with the
 * same sizes. Everything is checked before anything changes, so a bad file leaves the model as it was.
 * Returns `{ missing, unexpected }` (both empty unless `strict: false`).
 */
export function loadWeights(model: Model, weights: Uint8Array, options: LoadWeightsOptions = {}): LoadStateDictResult {
  if (!(model instanceof Model)) throw new RnnkitError('INVALID_ARGUMENT', `model: expected a Model, got ${describe(model)}`, { argument: 'model' });
  model.notBusy('loadWeights');
  const o = checkLoadOptions(options);
  const { state, result } = readStateDict(parseSafetensors(weights, { limits: o.limits }), model.spec, o, 'weights');
  model.loadStateDict(state, { strict: o.strict });
  return result;
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
  refuseLoose(o, 'loadModel');
  const s = readSpec(spec, 'spec', o.limits);
  const file = parseSafetensors(weights, { limits: o.limits });
  return modelFromFile(file, s, o, 'weights');
}

/** A float32 or (marked in the metadata) int8-quantized model from a parsed file; every parameter required. */
function modelFromFile(file: SafetensorsFile, s: ModelSpec, o: CheckedLoadOptions, argument: string): Model {
  if (file.metadata[QUANTIZATION_METADATA_KEY] !== undefined) {
    const { floats, quantized } = quantizedStateFromSafetensors(file, s, o.allowNonFinite, argument);
    return new Model(s, floats, { limits: o.limits, [HANDED_OVER]: true, [QUANTIZED_WEIGHTS]: quantized } as never);
  }
  const state = readStateDict(file, s, { ...o, strict: true }, argument).state;
  return new Model(s, state, { limits: o.limits, [HANDED_OVER]: true } as never);
}

/** One safetensors file holding both: the weights, and the spec JSON under `__metadata__["rnnkit.spec"]`. */
export async function saveModelBundle(model: Model, options: SaveOptions = {}): Promise<Uint8Array> {
  checkModel(model);
  checkObject(options, 'options', '{ metadata }');
  return saveWeights(model, { metadata: { ...(options.metadata ?? {}), [SPEC_METADATA_KEY]: JSON.stringify(model.spec) } });
}

/** A new model needs every parameter: `strict: false` belongs to `loadWeights` into a built model. */
function refuseLoose(o: CheckedLoadOptions, what: string): void {
  if (!o.strict) {
    throw new RnnkitError(
      'INVALID_ARGUMENT',
      `strict: ${what} makes a new model and needs every parameter, got false; build the model (sequential(…) or new Model(spec)) and call loadWeights(model, weights, { strict: false }), which returns { missing, unexpected }`,
      { argument: 'strict' },
    );
  }
}

/** Reads a file written by `saveModelBundle`. */
export function loadModelBundle(bytes: Uint8Array, options: LoadWeightsOptions = {}): Model {
  const o = checkLoadOptions(options);
  refuseLoose(o, 'loadModelBundle');
  const file = parseSafetensors(bytes, { limits: o.limits });
  const specText = file.metadata[SPEC_METADATA_KEY];
  if (specText === undefined) {
    fileError(
      `expected the model spec in __metadata__["${SPEC_METADATA_KEY}"] (a file from saveModelBundle); this file has only weights — use loadModel(spec, weights) or loadWeights(model, weights)`,
      'bytes',
    );
  }
  const s = readSpec(specText, `bytes.__metadata__["${SPEC_METADATA_KEY}"]`, o.limits);
  return modelFromFile(file, s, o, 'bytes');
}
