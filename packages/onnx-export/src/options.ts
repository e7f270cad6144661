import { RnnkitError } from '@rnnkit/core';
import { describeValue as describe } from '@rnnkit/core/backend';

/** Opset of the default ONNX domain written when none is asked for. */
export const DEFAULT_OPSET = 17;
/** Opsets this exporter writes; every op it emits has the same meaning across them. */
export const MIN_OPSET = 14;
/** Highest opset this exporter writes; opset 19–20 files get IR version 9, opset 21 IR version 10. */
export const MAX_OPSET = 21;

/**
 * The IR version written for an opset: the one of the ONNX release that introduced the opset,
 * and at least 8 (ONNX 1.10, what PyTorch's exporter writes for opset 17). Opset 17 → IR 8.
 */
export function irVersionFor(opset: number): number {
  return opset <= 18 ? 8 : opset <= 20 ? 9 : 10;
}

/**
 * Options of `exportOnnx` and `exportOnnxFromState`. Every field is optional; an unknown key or a
 * value of the wrong type throws `RnnkitError` INVALID_ARGUMENT, an opset outside
 * {@link MIN_OPSET}..{@link MAX_OPSET} UNSUPPORTED.
 */
export interface ExportOptions {
  /** Opset of the default domain, 14–21; default 17 (IR version 8). */
  opset?: number;
  /**
   * Add an int32 graph input `lengths` [batch] (ONNX sequence_lens): steps past a sequence's
   * length are padding, as with rnnkit's `lengths`. Default false. Graph inputs cannot be left
   * out at run time, so this picks one of two models: with it, feed lengths (all T for full
   * sequences); without it, every sequence spans all T steps.
   */
  lengths?: boolean;
  /**
   * Add graph inputs `h0` (and `c0` for LSTM) [numLayers*dirs, batch, hidden] for the first
   * recurrent layer's initial state, as rnnkit's `h0`/`c0`. Default false (zeros).
   */
  initialState?: boolean;
  /** The model's doc_string; default: a one-line summary of the layers. */
  docString?: string;
  /** The graph's name; default `rnnkit`. */
  graphName?: string;
  /**
   * How to export an int8-quantized model (`quantize(model, { weights: 'int8' })`); without it a
   * quantized model is refused (UNSUPPORTED), since neither form runs exactly the model's int8
   * scheme:
   *
   * - `'int8'` keeps the int8 weights: each LSTM layer becomes onnxruntime's
   *   `com.microsoft` `DynamicQuantizeLSTM` (int8 W/R with rnnkit's per-row scales, zero point
   *   0) and each linear layer `com.microsoft` `DynamicQuantizeMatMul`; onnxruntime quantizes the
   *   activations itself (uint8, one scale per tensor). Only onnxruntime runs these ops. LSTM
   *   only: onnxruntime has no int8 GRU or RNN op, so a model with a GRU or RNN layer is refused
   *   (UNSUPPORTED, naming the layer) — export it with `'dequantize'`. A model that is not
   *   quantized is refused too (INVALID_ARGUMENT): quantize it first.
   * - `'dequantize'` writes float32 weights Wq · scale (every cell and the linear head, standard
   *   ONNX ops; any runtime; onnxruntime then runs float32 and does not quantize activations).
   *   On a float32 model it changes nothing.
   */
  quantized?: QuantizedForm;
  /**
   * A final activation applied to the model's main output `output` (never to the states
   * `h_n`/`c_n`): `relu`, `tanh`, `sigmoid` elementwise; `softmax`, `logSoftmax` over the last
   * axis (the features, axis −1; opset ≥ 13 Softmax/LogSoftmax normalise that one axis). rnnkit
   * has no activation layer — models output logits, which `crossEntropy` takes — so this is how
   * an export gives probabilities, and how `exportOnnx(importOnnx(file))` keeps a file's final
   * activation (`@rnnkit/onnx-import`'s `outputs[i].activation`). Default: none.
   */
  outputActivation?: OutputActivation;
}

/** The forms `quantized` takes: `'int8'` (onnxruntime's int8 contrib ops) or `'dequantize'` (float32 weights). */
export const QUANTIZED_FORMS = ['int8', 'dequantize'] as const;
/** How a quantized model is exported: see `ExportOptions.quantized`. */
export type QuantizedForm = (typeof QUANTIZED_FORMS)[number];

/** Final activations `outputActivation` can append to the model output. */
export const OUTPUT_ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'softmax', 'logSoftmax'] as const;
/** A final activation on the model output: `relu`, `tanh`, `sigmoid` elementwise; `softmax`, `logSoftmax` over the last axis. */
export type OutputActivation = (typeof OUTPUT_ACTIVATIONS)[number];

export interface ResolvedOptions {
  opset: number;
  irVersion: number;
  lengths: boolean;
  initialState: boolean;
  docString?: string;
  graphName: string;
  quantized?: QuantizedForm;
  outputActivation?: OutputActivation;
}

const KNOWN = new Set(['opset', 'lengths', 'initialState', 'docString', 'graphName', 'quantized', 'outputActivation']);

/** Checks the options object; opsets outside 14–21 are UNSUPPORTED, anything else malformed INVALID_ARGUMENT. */
export function resolveOptions(options: ExportOptions | undefined): ResolvedOptions {
  if (options === undefined) options = {};
  if (options === null || typeof options !== 'object') {
    throw new RnnkitError('INVALID_ARGUMENT', `options: expected an object, got ${describe(options)}`, { argument: 'options' });
  }
  for (const k of Object.keys(options)) {
    if (!KNOWN.has(k))
      throw new RnnkitError('INVALID_ARGUMENT', `options.${k}: expected one of ${[...KNOWN].join(', ')}, got an unknown option`, { argument: `options.${k}` });
  }
  const opset = options.opset ?? DEFAULT_OPSET;
  if (typeof opset !== 'number' || !Number.isInteger(opset)) {
    throw new RnnkitError('INVALID_ARGUMENT', `options.opset: expected an integer, got ${describe(opset)}`, { argument: 'options.opset' });
  }
  if (opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new RnnkitError(
      'UNSUPPORTED',
      `options.opset: expected an opset in ${MIN_OPSET}..${MAX_OPSET} (the RNN/LSTM/GRU, Unsqueeze and GatherND forms this exporter writes), got ${opset}`,
      { argument: 'options.opset' },
    );
  }
  for (const k of ['lengths', 'initialState'] as const) {
    if (options[k] !== undefined && typeof options[k] !== 'boolean') {
      throw new RnnkitError('INVALID_ARGUMENT', `options.${k}: expected a boolean, got ${describe(options[k])}`, { argument: `options.${k}` });
    }
  }
  if (options.quantized !== undefined && !(QUANTIZED_FORMS as readonly unknown[]).includes(options.quantized)) {
    throw new RnnkitError('INVALID_ARGUMENT', `options.quantized: expected 'dequantize' or 'int8', got ${describe(options.quantized)}`, {
      argument: 'options.quantized',
    });
  }
  for (const k of ['docString', 'graphName'] as const) {
    if (options[k] !== undefined && typeof options[k] !== 'string') {
      throw new RnnkitError('INVALID_ARGUMENT', `options.${k}: expected a string, got ${describe(options[k])}`, { argument: `options.${k}` });
    }
  }
  const act = options.outputActivation;
  if (act !== undefined && !(OUTPUT_ACTIVATIONS as readonly unknown[]).includes(act)) {
    throw new RnnkitError('INVALID_ARGUMENT', `options.outputActivation: expected one of ${OUTPUT_ACTIVATIONS.join(', ')}, got ${describe(act)}`, {
      argument: 'options.outputActivation',
    });
  }
  return {
    opset,
    irVersion: irVersionFor(opset),
    lengths: options.lengths ?? false,
    initialState: options.initialState ?? false,
    ...(options.docString !== undefined ? { docString: options.docString } : {}),
    graphName: options.graphName ?? 'rnnkit',
    ...(options.quantized !== undefined ? { quantized: options.quantized } : {}),
    ...(act !== undefined ? { outputActivation: act } : {}),
  };
}
