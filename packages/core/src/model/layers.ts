import type { Backend } from '../backend/backend.js';
import { Scope } from '../backend/scope.js';
import type { EmbeddingSpec, LayerSpec, LinearSpec, SelectStepsSpec } from '../graph/spec.js';
import type { Tensor } from '../tensor.js';
import type { Rng } from '../util/rng.js';
import { lastStepRows } from './layout.js';
import { inferenceOnly, isQuantized } from './quantized_params.js';
import type { RecurrentCache } from './recurrent_layer.js';
import { backpropRecurrent, disposeRecurrentCache, runRecurrent } from './recurrent_layer.js';

/**
 * What flows between layers: a tensor plus what the next layer needs to know about it.
 * `seq` tensors are [B, T, F] (batchFirst) or [T, B, F]; `vec` tensors are [B, F].
 */
export interface Flow {
  x: Tensor;
  kind: 'seq' | 'vec';
  B: number;
  T: number;
  batchFirst: boolean;
  lengths?: Int32Array;
}

export interface LayerContext {
  training: boolean;
  dropoutRng?: Rng;
  h0?: Tensor;
  c0?: Tensor;
}

/** A layer's forward result: its output, its final states (recurrent only), and what backward needs. */
export interface LayerStep {
  out: Flow;
  hN?: Tensor;
  cN?: Tensor;
  /** `inputGrad: false`: dx is not wanted (this is the model's first layer and its input is data), so it may be skipped. */
  backward?: (
    dOut: Tensor | undefined,
    dhN?: Tensor,
    dcN?: Tensor,
    inputGrad?: boolean,
  ) => { dx?: Tensor; dh0?: Tensor; dc0?: Tensor; grads: Map<string, Tensor> };
  release?: () => void;
}

/** Runs one layer. `params` holds the layer's own (unprefixed) parameters. */
export function runLayer(be: Backend, spec: LayerSpec, params: ReadonlyMap<string, Tensor>, inp: Flow, ctx: LayerContext): LayerStep {
  switch (spec.type) {
    case 'recurrent': {
      const r = runRecurrent(be, spec, params, inp.x, {
        ...(ctx.h0 ? { h0: ctx.h0 } : {}),
        ...(ctx.c0 ? { c0: ctx.c0 } : {}),
        ...(inp.lengths ? { lengths: inp.lengths } : {}),
        training: ctx.training,
        ...(ctx.dropoutRng ? { dropoutRng: ctx.dropoutRng } : {}),
      });
      const cache: RecurrentCache | undefined = r.cache;
      return {
        out: { ...inp, x: r.output, kind: 'seq' },
        hN: r.hN,
        ...(r.cN ? { cN: r.cN } : {}),
        ...(cache
          ? {
              backward: (dOut: Tensor | undefined, dhN?: Tensor, dcN?: Tensor, inputGrad?: boolean) => {
                const up = { ...(dOut ? { dOutput: dOut } : {}), ...(dhN ? { dhN } : {}), ...(dcN ? { dcN } : {}) };
                const g = backpropRecurrent(be, spec, cache, up, { inputGrad: inputGrad !== false });
                return { ...(g.dx ? { dx: g.dx } : {}), dh0: g.dh0, ...(g.dc0 ? { dc0: g.dc0 } : {}), grads: g.grads };
              },
              release: () => disposeRecurrentCache(cache),
            }
          : {}),
      };
    }
    case 'linear':
      return runLinear(be, spec, params, inp, ctx);
    case 'select':
      return runSelect(be, spec, inp);
    case 'embedding':
      throw new Error('embedding layers take token ids: use runEmbedding');
  }
}

/** Runs `f` with a scope for its results: on a throw, everything `f` recorded in `made` is released. */
function allOrNothing<R>(be: Backend, f: (made: Scope, tmp: Scope) => R): R {
  const made = new Scope(be);
  const tmp = new Scope(be);
  try {
    return f(made, tmp);
  } catch (e) {
    made.dispose();
    throw e;
  } finally {
    tmp.dispose();
  }
}

/** y = x W^T + b over the last axis; keeps the input's layout. Every step releases what it made if it fails. */
function runLinear(be: Backend, spec: LinearSpec, params: ReadonlyMap<string, Tensor>, inp: Flow, ctx: LayerContext): LayerStep {
  const W = params.get('weight')!;
  const bias = spec.bias ? params.get('bias') : undefined;
  const rows = inp.x.shape.slice(0, -1);
  if (isQuantized(W)) {
    // int8 weight (a quantized model): inference only, one fused product with the bias.
    if (ctx.training) throw inferenceOnly('linear');
    const out = allOrNothing(be, (made, s) => {
      const x2 = s.t(be.reshape(inp.x, [rows.reduce((a, b) => a * b, 1), spec.inFeatures]));
      const y = s.t(be.quantizedMatmul({ x: x2, weight: W, ...(bias ? { bias } : {}) }));
      return made.t(be.reshape(y, [...rows, spec.outFeatures]));
    });
    return { out: { ...inp, x: out } };
  }
  const { x2, out } = allOrNothing(be, (made, s) => {
    const x2 = (ctx.training ? made : s).t(be.reshape(inp.x, [rows.reduce((a, b) => a * b, 1), spec.inFeatures]));
    let y = s.t(be.matmul(x2, W, { transposeB: true }));
    if (bias) y = s.t(be.addRowVector(y, bias));
    return { x2, out: made.t(be.reshape(y, [...rows, spec.outFeatures])) };
  });
  return {
    out: { ...inp, x: out },
    ...(ctx.training
      ? {
          backward: (dOut: Tensor | undefined, _dhN?: Tensor, _dcN?: Tensor, inputGrad?: boolean) =>
            allOrNothing(be, (made, g) => {
              const dy = g.t(be.reshape(dOut!, [x2.shape[0], spec.outFeatures]));
              const grads = new Map<string, Tensor>([['weight', made.t(be.matmul(dy, x2, { transposeA: true }))]]);
              if (bias) grads.set('bias', made.t(be.sumRows(dy)));
              const dx = inputGrad === false ? undefined : made.t(be.reshape(g.t(be.matmul(dy, W)), inp.x.shape));
              return { ...(dx ? { dx } : {}), grads };
            }),
          release: () => be.dispose(x2),
        }
      : {}),
  };
}

/** Many-to-one: each sequence's own last valid step, [B, F]. `all` passes the sequence through. */
function runSelect(be: Backend, spec: SelectStepsSpec, inp: Flow): LayerStep {
  if (spec.steps === 'all') {
    return { out: { ...inp, x: be.reshape(inp.x, inp.x.shape) }, backward: (d) => ({ dx: be.reshape(d!, d!.shape), grads: new Map() }) };
  }
  const F = inp.x.shape[2];
  const rows = lastStepRows(inp.B, inp.T, inp.lengths, inp.batchFirst);
  const out = allOrNothing(be, (_made, s) => be.gatherRows(s.t(be.reshape(inp.x, [inp.B * inp.T, F])), rows));
  return {
    out: { ...inp, x: out, kind: 'vec' },
    backward: (d) => allOrNothing(be, (_made, s) => ({ dx: be.reshape(s.t(be.scatterAddRows(d!, rows, inp.B * inp.T)), inp.x.shape), grads: new Map() })),
  };
}

/** Token ids [B, T] (or [T, B]) → embeddings [B, T, E]; backward scatters into the table's gradient. */
export function runEmbedding(
  be: Backend,
  spec: EmbeddingSpec,
  params: ReadonlyMap<string, Tensor>,
  ids: Int32Array,
  shape: readonly [number, number],
  batchFirst: boolean,
  lengths: Int32Array | undefined,
): LayerStep {
  const table = params.get('weight')!;
  const x = allOrNothing(be, (_made, s) => be.reshape(s.t(be.gatherRows(table, ids)), [shape[0], shape[1], spec.embeddingDim]));
  const [B, T] = batchFirst ? shape : [shape[1], shape[0]];
  return {
    out: { x, kind: 'seq', B, T, batchFirst, ...(lengths ? { lengths } : {}) },
    backward: (d) =>
      allOrNothing(be, (_made, s) => {
        const d2 = s.t(be.reshape(d!, [ids.length, spec.embeddingDim]));
        return { grads: new Map([['weight', be.scatterAddRows(d2, ids, spec.numEmbeddings)]]) };
      }),
  };
}
