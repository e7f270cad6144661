import type { EmbeddingSpec, LinearSpec, QuantizedMatrix, SelectStepsSpec } from '@rnnkit/core';
import type { GraphBuilder } from '../graph_builder.js';
import type { OutputActivation } from '../options.js';
import { DataType, intAttr } from '../proto.js';
import type { ExportContext, Flow } from './flow.js';
import { withLayout } from './flow.js';
import { matmulInt8Weights } from './int8_weights.js';
import { MS_DOMAIN } from './recurrent.js';

/**
 * Token ids (int64, [B, T] or [T, B]) → embeddings [B, T, E] or [T, B, E]: one Gather on the
 * table [V, E]. The layout is the ids' own; recurrent layers transpose when they need to.
 */
export function emitEmbedding(ctx: ExportContext, spec: EmbeddingSpec, layerIndex: number, table: Float32Array, ids: string, timeMajor: boolean): Flow {
  const { g } = ctx;
  const w = g.weight(`l${layerIndex}_embedding_weight`, [spec.numEmbeddings, spec.embeddingDim], table, `from ${layerIndex}.weight`);
  const name = g.op('Gather', [w, ids], `l${layerIndex}_embedding_out`, [intAttr('axis', 0)], `rnnkit layers[${layerIndex}] (embedding)`);
  return { name, kind: 'seq', timeMajor, features: spec.embeddingDim };
}

/**
 * y = x Wᵀ + b on the last axis. A [B, F] input is one Gemm (transB=1, PyTorch's [O, F]
 * weight as is); a sequence [·, ·, F] is MatMul with Wᵀ [F, O] plus Add, keeping its layout.
 * With `int8` (a quantized model, `{ quantized: 'int8' }`) either is one onnxruntime
 * `com.microsoft` `DynamicQuantizeMatMul`: A = x (any rank), B = Wqᵀ [F, O] stored as uint8
 * Wq + 128, b_scale [O] (rnnkit's per-row scales), b_zero_point [O] all 128, bias [O].
 */
export function emitLinear(
  ctx: ExportContext,
  spec: LinearSpec,
  layerIndex: number,
  weight: Float32Array,
  bias: Float32Array | undefined,
  input: Flow,
  int8?: QuantizedMatrix,
): Flow {
  const { g } = ctx;
  const tag = `l${layerIndex}_linear`;
  const doc = `rnnkit layers[${layerIndex}] (linear ${spec.inFeatures} → ${spec.outFeatures})`;
  const b = bias ? g.weight(`${tag}_bias`, [spec.outFeatures], bias, `from ${layerIndex}.bias`) : '';
  if (int8) {
    const q = matmulInt8Weights(int8);
    const O = spec.outFeatures;
    const w = g.int8Weight(`${tag}_weight_t_int8`, [spec.inFeatures, O], q.data, `int8 transpose of ${layerIndex}.weight, stored +128 as uint8`);
    const scale = g.weight(`${tag}_weight_scale`, [O], q.scales, 'one float32 scale per output column (rnnkit per-row scale)');
    const zero = g.int8Weight(`${tag}_weight_zero_point`, [O], q.zeroPoints, '128 (symmetric int8 stored +128 as uint8)');
    const name = g.op('DynamicQuantizeMatMul', [input.name, w, scale, zero, b], `${tag}_out`, [], `${doc}, int8 weights`, MS_DOMAIN);
    return { ...input, name, features: O };
  }
  if (input.kind === 'vec') {
    const w = g.weight(`${tag}_weight`, [spec.outFeatures, spec.inFeatures], weight, `from ${layerIndex}.weight`);
    const name = g.op('Gemm', [input.name, w, b], `${tag}_out`, [intAttr('transB', 1)], doc);
    return { ...input, name, features: spec.outFeatures };
  }
  const wt = new Float32Array(spec.inFeatures * spec.outFeatures);
  for (let o = 0; o < spec.outFeatures; o++) for (let f = 0; f < spec.inFeatures; f++) wt[f * spec.outFeatures + o] = weight[o * spec.inFeatures + f];
  const w = g.weight(`${tag}_weight_t`, [spec.inFeatures, spec.outFeatures], wt, `transpose of ${layerIndex}.weight`);
  let name = g.op('MatMul', [input.name, w], b ? `${tag}_matmul` : `${tag}_out`, [], doc);
  if (b) name = g.op('Add', [name, b], `${tag}_out`, [], doc);
  return { ...input, name, features: spec.outFeatures };
}

/**
 * Step selection. `all` passes the sequence through. `last` gives [B, F]: with a `lengths`
 * input, each sequence's own last valid step (GatherND with batch_dims=1 on [B, T, F] and
 * indices lengths − 1); without one, the last step T − 1 (Gather with index −1 on the time axis).
 */
export function emitSelect(ctx: ExportContext, spec: SelectStepsSpec, layerIndex: number, input: Flow): Flow {
  if (spec.steps === 'all') return input;
  const { g } = ctx;
  const tag = `l${layerIndex}_last_step`;
  const doc = `rnnkit layers[${layerIndex}] (select last step)`;
  if (!ctx.lengths) {
    const name = g.op('Gather', [input.name, g.int64([], [-1])], tag, [intAttr('axis', input.timeMajor ? 0 : 1)], doc);
    return { name, kind: 'vec', timeMajor: false, features: input.features };
  }
  const bf = withLayout(g, input, false, tag);
  const len64 = g.op('Cast', [ctx.lengths], `${tag}_lengths_i64`, [intAttr('to', DataType.INT64)]);
  const last = g.op('Sub', [len64, g.int64([], [1])], `${tag}_index`);
  const idx = g.op('Unsqueeze', [last, g.int64([1], [1])], `${tag}_indices`);
  const name = g.op('GatherND', [bf.name, idx], tag, [intAttr('batch_dims', 1)], doc);
  return { name, kind: 'vec', timeMajor: false, features: input.features };
}

const ACTIVATION_OPS: Record<OutputActivation, string> = { relu: 'Relu', tanh: 'Tanh', sigmoid: 'Sigmoid', softmax: 'Softmax', logSoftmax: 'LogSoftmax' };

/**
 * The final activation on the model output, written straight to the graph output `output`:
 * elementwise Relu/Tanh/Sigmoid, or Softmax/LogSoftmax with axis −1 (the features). The exporter
 * writes opsets ≥ 14, where Softmax normalises that one axis (opset < 13 flattened [axis..]
 * into rows, the same thing only for the last axis, which is why the axis is always the last).
 */
export function emitOutputActivation(g: GraphBuilder, activation: OutputActivation, input: string, output: string): void {
  const op = ACTIVATION_OPS[activation];
  const attrs = activation === 'softmax' || activation === 'logSoftmax' ? [intAttr('axis', -1)] : [];
  g.node(op, [input], [output], attrs, `outputActivation: ${activation}${attrs.length ? ' over the last axis' : ''}`);
}
