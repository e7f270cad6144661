import type { LayerSpec, Model, ModelSpec, QuantizedMatrix } from '@rnnkit/core';
import { hasCellState, numDirections, RnnkitError } from '@rnnkit/core';
import { GraphBuilder } from './graph_builder.js';
import type { ExportContext, Flow } from './ops/flow.js';
import { withLayout } from './ops/flow.js';
import { emitEmbedding, emitLinear, emitOutputActivation, emitSelect } from './ops/heads.js';
import { emitRecurrent, MS_DOMAIN } from './ops/recurrent.js';
import type { ExportOptions, ResolvedOptions } from './options.js';
import { resolveOptions } from './options.js';
import type { Dim, ModelProto } from './proto.js';
import { DataType, encodeModel } from './proto.js';
import type { SpellForm, StateDict } from './supported.js';
import { apiForm, checkExportable, checkInt8Weights, checkStateDict } from './supported.js';
import { VERSION } from './version.js';

/** Names of the graph's inputs and outputs. Later recurrent layers' states are `h_n_l{index}`. */
export const ONNX_NAMES = {
  /**
   * The model input: float [batch, sequence, inputSize], or int64 token ids [batch, sequence] for
   * a model that starts with an embedding; [sequence, batch, …] when the first recurrent layer is
   * time-major (`batchFirst: false`).
   */
  input: 'input',
  /** Optional int32 [batch] input (`ExportOptions.lengths`): valid steps per sequence, 1..sequence. */
  lengths: 'lengths',
  /** Optional float input (`ExportOptions.initialState`): the first recurrent layer's initial hidden state, [numLayers·dirs, batch, hidden]. */
  h0: 'h0',
  /** Optional float input for an LSTM first layer (`ExportOptions.initialState`): its initial cell state, [numLayers·dirs, batch, hidden]. */
  c0: 'c0',
  /** The model output, float, in the input's layout: what rnnkit's forward returns (a sequence, or [batch, features] after a `select` or head). */
  output: 'output',
  /** The first recurrent layer's final hidden state, [numLayers·dirs, batch, hidden]. */
  hN: 'h_n',
  /** An LSTM first layer's final cell state, [numLayers·dirs, batch, hidden]. */
  cN: 'c_n',
} as const;

/** Symbolic dimensions: one export runs any batch size and sequence length. */
export const BATCH_DIM = 'batch';
/** The symbolic name of the time axis in `input` and a sequence `output`. */
export const SEQUENCE_DIM = 'sequence';

/** metadata_props keys. */
export const METADATA_KEYS = {
  /** The rnnkit graph (ModelSpec) as JSON. */
  spec: 'rnnkit.spec',
  /** `batch_first` or `time_major`: the layout of `input` and a sequence `output`. */
  layout: 'rnnkit.layout',
  /** JSON list of the optional inputs this variant has (`lengths`, `h0`, `c0`). */
  optionalInputs: 'rnnkit.optional_inputs',
} as const;

function layerSummary(l: LayerSpec): string {
  switch (l.type) {
    case 'embedding':
      return `embedding(${l.numEmbeddings}→${l.embeddingDim})`;
    case 'recurrent':
      return `${l.cell}${l.cell === 'gru' && !l.gruResetAfter ? '(resetAfter=false)' : ''}(${l.inputSize}→${l.hiddenSize}, layers=${l.numLayers}${l.bidirectional ? ', bidirectional' : l.direction === 'reverse' ? ', reverse' : ''})`;
    case 'linear':
      return `linear(${l.inFeatures}→${l.outFeatures})`;
    case 'select':
      return `select(${l.steps})`;
  }
}

/**
 * Builds the ONNX model message. The graph reads `input` ([B, T, D] float, or int64 token ids
 * [B, T], or the time-major forms), optionally `lengths` (int32 [B]) and `h0`/`c0`
 * ([numLayers*dirs, B, H]) and writes `output` plus `h_n` (and `c_n`) of the first recurrent
 * layer, then `h_n_l{i}`/`c_n_l{i}` of any later one.
 */
function buildModel(
  spec: ModelSpec,
  params: Map<string, Float32Array>,
  opts: ResolvedOptions,
  recurrentCount: number,
  /** int8 weights by parameter name: the `{ quantized: 'int8' }` form (LSTM and linear layers as onnxruntime contrib ops). */
  int8?: ReadonlyMap<string, QuantizedMatrix>,
): ModelProto {
  const g = new GraphBuilder();
  const ctx: ExportContext = { g };
  const layers = spec.layers;
  const firstRec = layers.find((l) => l.type === 'recurrent');
  const timeMajor = firstRec ? !firstRec.batchFirst : false;
  const [d0, d1]: Dim[] = timeMajor ? [SEQUENCE_DIM, BATCH_DIM] : [BATCH_DIM, SEQUENCE_DIM];
  const layoutText = timeMajor ? '[sequence, batch' : '[batch, sequence';
  const param = (name: string) => params.get(name)!;
  const docs: string[] = [];

  // Inputs.
  const first = layers[0];
  let flow: Flow | undefined;
  let ids: string | undefined;
  if (first.type === 'embedding') {
    ids = g.input(ONNX_NAMES.input, DataType.INT64, [d0, d1], `token ids ${layoutText}], int64, each in 0..${first.numEmbeddings - 1}`);
    docs.push(`input: int64 token ids ${layoutText}]`);
  } else {
    const D = first.type === 'recurrent' ? first.inputSize : first.type === 'linear' ? first.inFeatures : 0;
    // Without a recurrent layer the model is position-wise and, as in rnnkit, takes any rank.
    const dims = firstRec ? [d0, d1, D] : undefined;
    g.input(ONNX_NAMES.input, DataType.FLOAT, dims, dims ? `float ${layoutText}, ${D}]` : `float [..., ${D}]`);
    flow = { name: ONNX_NAMES.input, kind: 'seq', timeMajor, features: D };
    docs.push(dims ? `input: float ${layoutText}, ${D}]` : `input: float [..., ${D}]`);
  }
  if (opts.lengths) {
    ctx.lengths = g.input(
      ONNX_NAMES.lengths,
      DataType.INT32,
      [BATCH_DIM],
      'int32 [batch]: valid steps of each sequence, 1..sequence; later steps are padding (ONNX sequence_lens)',
    );
    docs.push('lengths: int32 [batch], each in 1..sequence');
  }
  let h0: string | undefined;
  let c0: string | undefined;
  if (opts.initialState && firstRec?.type === 'recurrent') {
    const rows = firstRec.numLayers * numDirections(firstRec);
    const dims = [rows, BATCH_DIM, firstRec.hiddenSize];
    h0 = g.input(
      ONNX_NAMES.h0,
      DataType.FLOAT,
      dims,
      `initial hidden state of the first recurrent layer, [${rows}, batch, ${firstRec.hiddenSize}] = [numLayers*dirs, batch, hidden]`,
    );
    docs.push(`h0: float [${rows}, batch, ${firstRec.hiddenSize}]`);
    if (hasCellState(firstRec.cell)) {
      c0 = g.input(ONNX_NAMES.c0, DataType.FLOAT, dims, `initial cell state of the first LSTM layer, [${rows}, batch, ${firstRec.hiddenSize}]`);
      docs.push(`c0: float [${rows}, batch, ${firstRec.hiddenSize}]`);
    }
  }

  // Layers.
  const stateOutputs: { name: string; rows: number; H: number; doc: string }[] = [];
  let recIndex = 0;
  layers.forEach((layer, i) => {
    switch (layer.type) {
      case 'embedding':
        flow = emitEmbedding(ctx, layer, i, param(`${i}.weight`), ids!, timeMajor);
        break;
      case 'recurrent': {
        const suffix = recIndex === 0 ? '' : `_l${i}`;
        const hN = g.claim(`${ONNX_NAMES.hN}${suffix}`);
        const cN = hasCellState(layer.cell) ? g.claim(`${ONNX_NAMES.cN}${suffix}`) : undefined;
        const r = emitRecurrent(
          ctx,
          layer,
          i,
          (n) => param(`${i}.${n}`),
          flow!,
          recIndex === 0 ? { ...(h0 ? { h0 } : {}), ...(c0 ? { c0 } : {}) } : {},
          { hN, ...(cN ? { cN } : {}) },
          int8 ? (n) => int8.get(`${i}.${n}`)! : undefined,
        );
        const rows = layer.numLayers * numDirections(layer);
        const what = `of rnnkit layers[${i}] (${layer.cell}), [${rows}, batch, ${layer.hiddenSize}] = [numLayers*dirs, batch, hidden], each sequence's state at its own last valid step`;
        stateOutputs.push({ name: hN, rows, H: layer.hiddenSize, doc: `final hidden state ${what}` });
        if (cN) stateOutputs.push({ name: cN, rows, H: layer.hiddenSize, doc: `final cell state ${what}` });
        flow = r.output;
        recIndex++;
        break;
      }
      case 'linear':
        flow = emitLinear(ctx, layer, i, param(`${i}.weight`), layer.bias ? param(`${i}.bias`) : undefined, flow!, int8?.get(`${i}.weight`));
        break;
      case 'select':
        flow = emitSelect(ctx, layer, i, flow!);
        break;
    }
  });

  // Outputs, in rnnkit's layout; a final activation (after the layout change, so it is the
  // graph's last op on `output`) writes the output itself.
  const out = withLayout(g, flow!, timeMajor, 'output');
  const act = opts.outputActivation;
  if (act) emitOutputActivation(g, act, out.name, g.claim(ONNX_NAMES.output));
  else g.node('Identity', [out.name], [g.claim(ONNX_NAMES.output)]);
  const outDims: Dim[] | undefined = out.kind === 'vec' ? [BATCH_DIM, out.features] : firstRec || ids ? [d0, d1, out.features] : undefined;
  const actDoc = act ? `, after ${act}${act === 'softmax' || act === 'logSoftmax' ? ' over the last axis' : ''}` : '';
  const outDoc = out.kind === 'vec' ? `float [batch, ${out.features}]` : outDims ? `float ${layoutText}, ${out.features}]` : `float [..., ${out.features}]`;
  g.output(
    ONNX_NAMES.output,
    DataType.FLOAT,
    outDims,
    `model output, ${outDoc}${actDoc}${ctx.lengths && out.kind === 'seq' ? `; recurrent outputs are zero past each length${act ? ` (before ${act})` : ''}` : ''}`,
  );
  docs.push(`output: ${outDoc}${act ? ` (${act})` : ''}`);
  for (const s of stateOutputs) {
    g.output(s.name, DataType.FLOAT, [s.rows, BATCH_DIM, s.H], s.doc);
    docs.push(`${s.name}: float [${s.rows}, batch, ${s.H}]`);
  }

  const summary = [...layers.map(layerSummary), ...(act ? [act] : [])].join(' → ');
  const optionalInputs = [...(ctx.lengths ? ['lengths'] : []), ...(h0 ? ['h0'] : []), ...(c0 ? ['c0'] : [])];
  return {
    irVersion: BigInt(opts.irVersion),
    // DynamicQuantizeLSTM / DynamicQuantizeMatMul are version 1 of onnxruntime's contrib domain.
    opsetImport: [{ domain: '', version: BigInt(opts.opset) }, ...(int8 ? [{ domain: MS_DOMAIN, version: 1n }] : [])],
    producerName: 'rnnkit',
    producerVersion: VERSION,
    domain: 'dev.rnnkit',
    modelVersion: BigInt(spec.version),
    docString:
      opts.docString ??
      (int8
        ? `rnnkit int8-quantized model: ${summary}. onnxruntime's com.microsoft DynamicQuantizeLSTM / DynamicQuantizeMatMul with the int8 weights (runs in onnxruntime only); inference only.`
        : `rnnkit model: ${summary}. Native ONNX ${recurrentCount > 0 ? 'RNN/LSTM/GRU operators, one per stacked layer' : 'operators'}; inference only (dropout is not applied).`),
    graph: g.build(opts.graphName, docs.join('\n')),
    metadataProps: [
      { key: METADATA_KEYS.spec, value: JSON.stringify(spec) },
      { key: METADATA_KEYS.layout, value: timeMajor ? 'time_major' : 'batch_first' },
      { key: METADATA_KEYS.optionalInputs, value: JSON.stringify(optionalInputs) },
    ],
  };
}

/**
 * Converts a model graph and its weights (PyTorch state_dict names and layouts, as
 * `Model.stateDict()` returns them) to ONNX bytes. Everything is checked before anything is
 * built: an invalid spec throws INVALID_SPEC, a form ONNX or this exporter can't express
 * throws UNSUPPORTED naming the feature, bad weights INVALID_ARGUMENT / SHAPE_MISMATCH.
 * The weights are float32, so `{ quantized: 'int8' }` is INVALID_ARGUMENT here: pass the
 * quantized model to `exportOnnx`.
 */
export function exportOnnxFromState(spec: ModelSpec, stateDict: StateDict, options?: ExportOptions): Uint8Array {
  const opts = resolveOptions(options);
  if (opts.quantized === 'int8') {
    throw new RnnkitError(
      'INVALID_ARGUMENT',
      "options.quantized: 'int8' needs the model's int8 weights, and a state dict holds float32 ones; pass the quantized model to exportOnnx(model, { quantized: 'int8' })",
      { argument: 'options.quantized' },
    );
  }
  return exportChecked(spec, stateDict, opts);
}

/**
 * The export after the options are resolved. `int8`: the quantized model's int8 weights for
 * the `{ quantized: 'int8' }` form (checked here: LSTM and linear layers only); the float
 * state dict then supplies biases and embeddings (its dequantized weights go unused).
 * @internal (the CLI's path too)
 */
export function exportChecked(
  spec: ModelSpec,
  stateDict: StateDict,
  opts: ResolvedOptions,
  int8?: ReadonlyMap<string, QuantizedMatrix>,
  spell: SpellForm = apiForm,
): Uint8Array {
  const recurrent = checkExportable(spec, opts);
  if (int8) checkInt8Weights(spec, int8, spell);
  const params = checkStateDict(spec, stateDict);
  return encodeModel(buildModel(spec, params, opts, recurrent.length, int8));
}

/**
 * What a quantized model's `quantized` option leads to, before any weight is read: the int8
 * weights to write (`'int8'`), none (`'dequantize'`, or a float32 model without `'int8'`), or
 * an error — a quantized model without the option is UNSUPPORTED, `'int8'` on a float32 model
 * INVALID_ARGUMENT. @internal (the CLI's path too)
 */
export function int8WeightsFor(
  quantization: 'int8' | undefined,
  weights: ReadonlyMap<string, QuantizedMatrix> | undefined,
  opts: ResolvedOptions,
  spell: SpellForm = apiForm,
): ReadonlyMap<string, QuantizedMatrix> | undefined {
  if (quantization === undefined) {
    if (opts.quantized === 'int8') {
      throw new RnnkitError(
        'INVALID_ARGUMENT',
        `options.quantized: ${spell('int8')} writes a quantized model's int8 weights, and this model is float32; quantize(model, { weights: 'int8' }) first`,
        { argument: 'options.quantized' },
      );
    }
    return undefined;
  }
  if (opts.quantized === undefined) {
    throw new RnnkitError(
      'UNSUPPORTED',
      `model: it is quantized (${quantization}); pass ${spell('int8')} to write its int8 weights as onnxruntime's DynamicQuantizeLSTM / DynamicQuantizeMatMul (LSTM and linear layers; onnxruntime only), or ${spell('dequantize')} to export float32 weights (Wq · scale; every cell, any runtime)`,
      { argument: 'model' },
    );
  }
  if (opts.quantized === 'dequantize') return undefined;
  if (!weights) throw new RnnkitError('INVALID_ARGUMENT', 'model: it reports int8 quantization but holds no int8 weights', { argument: 'model' });
  return weights;
}

/**
 * Exports a model (its spec and current weights, read with `model.stateDict()`) to ONNX bytes.
 * A quantized model needs `options.quantized` (see `ExportOptions.quantized`).
 */
export async function exportOnnx(model: Model, options?: ExportOptions): Promise<Uint8Array> {
  const opts = resolveOptions(options); // fail on bad options before reading weights back
  checkExportable(model.spec, opts);
  const int8 = int8WeightsFor(model.quantization, model.quantizedWeights(), opts);
  if (int8) checkInt8Weights(model.spec, int8);
  // A quantized model's stateDict holds its weights dequantized (Wq · scale): the 'dequantize'
  // form writes those; the 'int8' form reads only its biases (and embeddings) from it.
  return exportChecked(model.spec, await model.stateDict(), opts, int8);
}
