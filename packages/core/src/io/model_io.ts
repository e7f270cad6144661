import { RnnkitError, describe } from '../errors.js';
import type { ModelSpec } from '../graph/spec.js';
import { validateModelSpec } from '../graph/validate.js';
import { Model } from '../model/model.js';
import type { ParamInfo } from '../params/names.js';
import { modelParams } from '../params/names.js';
import { formatShape, shapeEquals } from '../tensor.js';
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
export function stateDictFromSafetensors(file: SafetensorsFile, spec: ModelSpec, options: LoadWeightsOptions = {}, argument = 'weights'): Map<string, Float32Array> {
  const infos = modelParams(spec);
  const recurrent = spec.layers.flatMap((l, i) => (l.type === 'recurrent' ? [i] : []));
  const recurrentPrefix = recurrent.length === 1 ? `${recurrent[0]}.` : undefined;
  const prefixes = Object.entries(options.prefixes ?? {});
  for (const [from, to] of prefixes) {
    if (typeof to !== 'string') throw new RnnkitError('INVALID_ARGUMENT', `prefixes["${from}"]: expected a string, got ${describe(to)}`, { argument: `prefixes["${from}"]` });
  }
  prefixes.sort((a, b) => b[0].length - a[0].length);
  const byModelName = new Map<string, string>(); // model name → file name
  for (const fileName of file.tensors.keys()) {
    const modelName = mapName(fileName, infos, recurrentPrefix, prefixes);
    const prior = byModelName.get(modelName);
    if (prior !== undefined) fileError(`tensors "${prior}" and "${fileName}" both map to parameter "${modelName}"`, argument);
    byModelName.set(modelName, fileName);
  }
  const expectedNames = infos.map((p) => `${p.name} ${formatShape(p.shape)}`).join(', ');
  for (const [modelName, fileName] of byModelName) {
    if (!infos.some((p) => p.name === modelName)) {
      const shown = modelName === fileName ? `"${fileName}"` : `"${fileName}" (read as "${modelName}")`;
      fileError(`unexpected tensor ${shown}: the model's parameters are ${expectedNames}`, argument);
    }
  }
  const out = new Map<string, Float32Array>();
  for (const p of infos) {
    const fileName = byModelName.get(p.name);
    if (fileName === undefined) fileError(`missing tensor "${p.name}" of shape ${formatShape(p.shape)} (the file has ${[...file.tensors.keys()].map((k) => `"${k}"`).join(', ') || 'no tensors'})`, argument);
    const t = file.tensors.get(fileName)!;
    const at = `${argument}["${fileName}"]`;
    if (!shapeEquals(t.shape, p.shape)) fileError(`expected shape ${formatShape(p.shape)} for parameter "${p.name}", got ${t.dtype} ${formatShape(t.shape)}`, at);
    out.set(p.name, safetensorsToFloat32(t, at));
  }
  return out;
}

function readSpec(spec: string | ModelSpec, argument: string): ModelSpec {
  let s: unknown = spec;
  if (typeof spec === 'string') {
    try {
      s = JSON.parse(spec);
    } catch (e) {
      throw new RnnkitError('INVALID_SPEC', `${argument}: expected ModelSpec JSON text, got a parse error (${(e as Error).message})`, { argument, cause: e });
    }
  }
  if (s === null || typeof s !== 'object' || Array.isArray(s)) {
    throw new RnnkitError('INVALID_SPEC', `${argument}: expected a ModelSpec object { format: "rnnkit.model", version, layers, seed }, got ${describe(s)}`, { argument });
  }
  validateModelSpec(s as ModelSpec);
  return structuredClone(s as ModelSpec);
}

/** The weights of `model` as a safetensors file (float32, PyTorch names, state_dict order). */
export async function saveWeights(model: Model, options: SaveOptions = {}): Promise<Uint8Array> {
  const state = await model.stateDict();
  const tensors = new Map(model.parameterInfo().map((p) => [p.name, { dtype: 'F32' as const, shape: [...p.shape], data: state.get(p.name)! }]));
  return serializeSafetensors(tensors, { ...(options.metadata ?? {}), format: 'pt' });
}

/**
 * Replaces a model's parameters with the weights of a safetensors file — for example a PyTorch
 * `nn.LSTM` `state_dict()` saved with `safetensors.torch.save_file`, into a model built with the
 * same sizes. Everything is checked before anything changes, so a bad file leaves the model as it was.
 */
export function loadWeights(model: Model, weights: Uint8Array, options: LoadWeightsOptions = {}): void {
  const state = stateDictFromSafetensors(parseSafetensors(weights), model.spec, options);
  model.loadStateDict(state);
}

/** The graph as JSON text and the weights as safetensors. Parameters are read back from the backend if the model is on one. */
export async function saveModel(model: Model, options: SaveOptions = {}): Promise<SavedModel> {
  return { spec: JSON.stringify(model.spec, null, 2), weights: await saveWeights(model, options) };
}

/**
 * A new model (on the host; `to(backend)` it) from a spec (JSON text or object) and safetensors
 * weights. The spec is validated (`INVALID_SPEC`) and the file fully checked (`INVALID_FILE`)
 * before the model is made, so a bad input never yields a partial model.
 */
export function loadModel(spec: string | ModelSpec, weights: Uint8Array, options: LoadWeightsOptions = {}): Model {
  const s = readSpec(spec, 'spec');
  const state = stateDictFromSafetensors(parseSafetensors(weights), s, options);
  return new Model(s, state);
}

/** One safetensors file holding both: the weights, and the spec JSON under `__metadata__["rnnkit.spec"]`. */
export async function saveModelBundle(model: Model, options: SaveOptions = {}): Promise<Uint8Array> {
  return saveWeights(model, { metadata: { ...(options.metadata ?? {}), [SPEC_METADATA_KEY]: JSON.stringify(model.spec) } });
}

/** Reads a file written by `saveModelBundle`. */
export function loadModelBundle(bytes: Uint8Array, options: LoadWeightsOptions = {}): Model {
  const file = parseSafetensors(bytes);
  const specText = file.metadata[SPEC_METADATA_KEY];
  if (specText === undefined) {
    fileError(`expected the model spec in __metadata__["${SPEC_METADATA_KEY}"] (a file from saveModelBundle); this file has only weights — use loadModel(spec, weights) or loadWeights(model, weights)`, 'bytes');
  }
  const s = readSpec(specText, `bytes.__metadata__["${SPEC_METADATA_KEY}"]`);
  return new Model(s, stateDictFromSafetensors(file, s, options, 'bytes'));
}
