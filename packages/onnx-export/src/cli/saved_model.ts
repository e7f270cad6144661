import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Model, ModelSpec, QuantizedMatrix } from '@rnnkit/core';
import { loadModel, loadModelBundle, RnnkitError, validateModelSpec } from '@rnnkit/core';
import { describeValue as describe } from '@rnnkit/core/backend';
import type { StateDict } from '../supported.js';
import { about, InputFileError } from './input_error.js';

/** Where a saved model lives: a spec JSON plus a weights file, or one safetensors bundle. */
export interface SavedModelPaths {
  /** ModelSpec JSON (what `JSON.stringify(model.spec)` or core's `saveModel` writes). */
  spec?: string;
  /** Weights: `.safetensors` (PyTorch names, float32) or `.json` (`{ name: number[] | { shape, data } }`). */
  weights?: string;
  /** A single safetensors file with the spec in `__metadata__["rnnkit.spec"]` (core's `saveModelBundle`). */
  model?: string;
}

export interface LoadedModel {
  spec: ModelSpec;
  /** float32 weights; a quantized model's int8 weights come dequantized (Wq · scale). */
  stateDict: StateDict;
  /** `int8` when the file holds a quantized model (I8 weights with F32 scales, core's `saveModel`). */
  quantization?: 'int8';
  /** That model's int8 weights by parameter name, for `--quantized int8`. */
  quantizedWeights?: ReadonlyMap<string, QuantizedMatrix>;
}

/** A loaded model's spec and weights, its int8 weights too when it is quantized. */
async function loaded(m: Model): Promise<LoadedModel> {
  const q = m.quantizedWeights();
  return { spec: m.spec, stateDict: await m.stateDict(), ...(m.quantization !== undefined && q ? { quantization: m.quantization, quantizedWeights: q } : {}) };
}

/** Turns saved files into a spec and weights. Swap it to read other formats. */
export type ModelLoader = (paths: SavedModelPaths) => Promise<LoadedModel>;

function parseSpec(text: string, argument: string): ModelSpec {
  try {
    return JSON.parse(text) as ModelSpec;
  } catch (e) {
    throw new RnnkitError('INVALID_SPEC', `${argument}: expected ModelSpec JSON, got a parse error (${(e as Error).message})`, { argument, cause: e });
  }
}

async function read(path: string, argument: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw new RnnkitError('INVALID_FILE', `${argument}: cannot read "${path}" (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
      argument,
      cause: e,
    });
  }
}

/** `{ "0.weight_ih_l0": [..flat values..] | { "shape": [..], "data": [..] }, ... }` → float32 state dict. */
function jsonWeights(text: string, argument: string): Map<string, Float32Array> {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new RnnkitError('INVALID_FILE', `${argument}: expected JSON weights, got a parse error (${(e as Error).message})`, { argument, cause: e });
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new RnnkitError('INVALID_FILE', `${argument}: expected an object of parameter name → values, got ${describe(obj)}`, { argument });
  }
  const out = new Map<string, Float32Array>();
  for (const [name, v] of Object.entries(obj as Record<string, unknown>)) {
    const values = Array.isArray(v) ? v : (v as { data?: unknown } | null)?.data;
    if (!Array.isArray(values) || !values.every((x) => typeof x === 'number')) {
      throw new RnnkitError('INVALID_FILE', `${argument}["${name}"]: expected an array of numbers or { shape, data }, got ${describe(v)}`, {
        argument: `${argument}["${name}"]`,
      });
    }
    out.set(name, Float32Array.from(values as number[]));
  }
  return out;
}

/**
 * The CLI's loader: safetensors files are read by core's `loadModel` / `loadModelBundle` (the
 * one safetensors reader: full naming rules, F16/BF16/F64 widened, every size bounded), JSON
 * weights by `jsonWeights` above. Errors name the flag and the file they are about.
 */
export const loadSavedModel: ModelLoader = async (paths) => {
  if (paths.model !== undefined) {
    if (paths.spec !== undefined || paths.weights !== undefined) {
      throw new RnnkitError('INVALID_ARGUMENT', '--model: expected either --model <bundle> or --spec with --weights, got both', { argument: '--model' });
    }
    const bytes = await read(paths.model, '--model');
    const m = await about('--model', paths.model, () => loadModelBundle(bytes));
    return loaded(m);
  }
  if (paths.spec === undefined || paths.weights === undefined) {
    const missing = paths.spec === undefined ? '--spec' : '--weights';
    throw new RnnkitError('INVALID_ARGUMENT', `${missing}: expected --spec <model.json> with --weights <file>, or --model <bundle.safetensors>`, {
      argument: missing,
    });
  }
  const specText = new TextDecoder().decode(await read(paths.spec, '--spec'));
  const weights = await read(paths.weights, '--weights');
  if (extname(paths.weights).toLowerCase() === '.json') {
    const spec = parseSpec(specText, '--spec');
    // The spec's sizes are checked (core's limits included) before the weights are read into arrays.
    await about('--spec', paths.spec, () => validateModelSpec(spec));
    return { spec, stateDict: jsonWeights(new TextDecoder().decode(weights), '--weights') };
  }
  let m: Model;
  try {
    m = loadModel(specText, weights);
  } catch (e) {
    // A fault of the spec names --spec; everything else is the weights file's.
    if (!(e instanceof RnnkitError)) throw e;
    const spec = (e.argument ?? '').startsWith('spec');
    throw new InputFileError(e, spec ? '--spec' : '--weights', spec ? paths.spec : paths.weights);
  }
  return loaded(m);
};
