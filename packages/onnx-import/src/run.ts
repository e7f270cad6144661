import type { HostTensor, Model, RecurrentSpec, Tensor } from '@rnnkit/core';
import { RnnkitError } from '@rnnkit/core';
import type { BoundAxis, ImportedOutput } from './bindings.js';
import { describeValue as describe } from './errors.js';
import type { ImportedOnnx } from './import.js';
import type { OutputActivation } from './values.js';

/** A feed for one ONNX graph input: float data, or integer ids/lengths, with its shape. */
export interface OnnxFeed {
  /** The values, row-major. */
  data: Float32Array | Int32Array | BigInt64Array | readonly number[];
  /** The extents, as the file declares the input's axes. */
  shape: readonly number[];
}

/** Applies a final activation along the last axis, in float32 like onnxruntime. */
export function applyActivation(t: HostTensor, activation: OutputActivation): HostTensor {
  const data = new Float32Array(t.data.length);
  const C = t.shape[t.shape.length - 1] ?? 1;
  if (activation === 'softmax' || activation === 'logSoftmax') {
    for (let r = 0; r < data.length / C; r++) {
      let max = -Infinity;
      for (let j = 0; j < C; j++) max = Math.max(max, t.data[r * C + j]);
      let sum = 0;
      for (let j = 0; j < C; j++) sum += Math.exp(t.data[r * C + j] - max);
      for (let j = 0; j < C; j++) {
        const z = t.data[r * C + j] - max;
        data[r * C + j] = activation === 'softmax' ? Math.exp(z) / sum : z - Math.log(sum);
      }
    }
  } else {
    const f = activation === 'sigmoid' ? (x: number) => 1 / (1 + Math.exp(-x)) : activation === 'tanh' ? Math.tanh : (x: number) => Math.max(0, x);
    for (let i = 0; i < data.length; i++) data[i] = f(t.data[i]);
  }
  return { data, shape: [...t.shape] };
}

/** Rearranges rnnkit's tensor (axes `from`) into the ONNX output's axes `to` (a permutation, plus or minus extent-1 axes). */
function rearrange(t: HostTensor, from: BoundAxis[], to: BoundAxis[], name: string): HostTensor {
  const src = from.map((a, i) => ({ a, n: t.shape[i] })).filter((x) => !(x.n === 1 && !to.includes(x.a)));
  const perm = to.filter((a) => a !== 'one').map((a) => src.findIndex((x) => x.a === a));
  if (perm.some((p) => p < 0) || perm.length !== src.length) {
    throw new RnnkitError(
      'INVALID_ARGUMENT',
      `outputs.${name}: expected axes [${to.join(', ')}] to rearrange rnnkit's [${from.join(', ')}], got no such rearrangement`,
      { argument: `outputs.${name}` },
    );
  }
  const dims = src.map((x) => x.n);
  const strides = dims.map((_, i) => dims.slice(i + 1).reduce((s, d) => s * d, 1));
  const outDims = perm.map((p) => dims[p]);
  const data = new Float32Array(t.data.length);
  const idx = new Array<number>(outDims.length).fill(0);
  for (let o = 0; o < data.length; o++) {
    let s = 0;
    for (let k = 0; k < perm.length; k++) s += idx[k] * strides[perm[k]];
    data[o] = t.data[s];
    for (let k = outDims.length - 1; k >= 0; k--) {
      if (++idx[k] < outDims[k]) break;
      idx[k] = 0;
    }
  }
  let p = 0;
  const shape = to.map((a) => (a === 'one' ? 1 : outDims[p++]));
  return { data, shape };
}

function rowsOf(t: HostTensor, rows: [number, number]): HostTensor {
  const per = t.shape[1] * t.shape[2];
  return { data: t.data.slice(rows[0] * per, rows[1] * per), shape: [rows[1] - rows[0], t.shape[1], t.shape[2]] };
}

/** What one rnnkit forward pass gives, read back: the output and each recurrent layer's final states. */
export interface RnnkitResults {
  /** The model's output, in rnnkit's layout. */
  output: HostTensor;
  /** Per recurrent layer (`layer`: its index in `spec.layers`): final `hN` and, for LSTM, `cN`, each [numLayers·dirs, batch, hidden]. */
  states: {
    /** Index in `spec.layers` of the recurrent layer these states belong to. */
    layer: number;
    /** Its final hidden state, [numLayers·dirs, batch, hidden]. */
    hN: HostTensor;
    /** Its final cell state, [numLayers·dirs, batch, hidden]; present for an LSTM layer only, required when the graph outputs it. */
    cN?: HostTensor;
  }[];
}

/**
 * rnnkit's results under the ONNX graph's output names, in its layouts, with a final activation
 * applied: what onnxruntime returns for the imported file.
 */
export function toOnnxOutputs(imported: ImportedOnnx, results: RnnkitResults): Record<string, HostTensor> {
  const firstRec = imported.spec.layers.find((l): l is RecurrentSpec => l.type === 'recurrent')!;
  const seqAxes: BoundAxis[] = firstRec.batchFirst ? ['batch', 'time', 'feature'] : ['time', 'batch', 'feature'];
  const out: Record<string, HostTensor> = {};
  for (const o of imported.outputs as ImportedOutput[]) {
    if (o.role === 'output') {
      const t = results.output;
      const r = rearrange(t, t.shape.length === 2 ? ['batch', 'feature'] : seqAxes, o.axes, o.name);
      out[o.name] = o.activation ? applyActivation(r, o.activation) : r;
      continue;
    }
    const s = results.states.find((x) => x.layer === o.layer);
    const t = s && (o.role === 'hN' ? s.hN : s.cN);
    if (!t)
      throw new RnnkitError('INVALID_ARGUMENT', `results.states: expected layer ${o.layer}'s final ${o.role} state for output "${o.name}", got none`, {
        argument: 'results.states',
      });
    out[o.name] = rearrange(rowsOf(t, o.rows!), ['rows', 'batch', 'feature'], o.axes, o.name);
  }
  return out;
}

/** Turns ONNX feeds into rnnkit's forward arguments (the bindings say which feed is which). */
function forwardArgs(imported: ImportedOnnx, feeds: Readonly<Record<string, OnnxFeed>>) {
  if (feeds === null || typeof feeds !== 'object')
    throw new RnnkitError('INVALID_ARGUMENT', `feeds: expected an object of ONNX input name → { data, shape }, got ${describe(feeds)}`, { argument: 'feeds' });
  const get = (name: string) => {
    const f = feeds[name];
    if (!f || typeof f !== 'object' || !f.data || !Array.isArray(f.shape))
      throw new RnnkitError('INVALID_ARGUMENT', `feeds.${name}: expected { data, shape } for ONNX input "${name}", got ${describe(f)}`, {
        argument: `feeds.${name}`,
      });
    return f;
  };
  const numbers = (d: OnnxFeed['data']) => Array.from(d as ArrayLike<number | bigint>, (v) => Number(v));
  const floats = (f: OnnxFeed): HostTensor => ({ data: f.data instanceof Float32Array ? f.data : Float32Array.from(numbers(f.data)), shape: [...f.shape] });
  let input: HostTensor | { ids: Int32Array; shape: [number, number] } | undefined;
  const opts: { lengths?: number[]; h0?: HostTensor; c0?: HostTensor } = {};
  for (const b of imported.inputs) {
    const f = get(b.name);
    if (b.role === 'x') input = floats(f);
    else if (b.role === 'ids') input = { ids: Int32Array.from(numbers(f.data)), shape: [f.shape[0], f.shape[1]] };
    else if (b.role === 'lengths') opts.lengths = numbers(f.data);
    else opts[b.role] = floats(f);
  }
  if (!input) throw new RnnkitError('INVALID_ARGUMENT', 'imported.inputs: expected an x or ids input binding, got none', { argument: 'imported.inputs' });
  return { input, opts };
}

/**
 * Runs an imported model the way onnxruntime runs the file: feeds by ONNX input name, results
 * by ONNX output name, in the file's layouts, with a final activation applied. `model` is the
 * imported model (or one fine-tuned from it) on a backend.
 */
export async function runImported(imported: ImportedOnnx, model: Model, feeds: Readonly<Record<string, OnnxFeed>>): Promise<Record<string, HostTensor>> {
  const { input, opts } = forwardArgs(imported, feeds);
  const pass = model.forward(input, opts);
  try {
    const be = model.backend;
    const read = async (t: Tensor): Promise<HostTensor> => ({ data: await be.read(t), shape: [...t.shape] });
    const states = await Promise.all(pass.states.map(async (s) => ({ layer: s.layer, hN: await read(s.hN), ...(s.cN ? { cN: await read(s.cN) } : {}) })));
    return toOnnxOutputs(imported, { output: await read(pass.output), states });
  } finally {
    pass.dispose();
  }
}
