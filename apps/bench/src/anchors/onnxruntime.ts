import { Model, quantize } from '@rnnkit/core';
import type { CaseData, ConformanceCase, ReferenceResult } from '@rnnkit/core/testing';
import { FORWARD_TOLERANCE, scaledError } from '@rnnkit/core/testing';
import type * as OrtNs from 'onnxruntime-node';
import type { OnnxRow } from '../conformance.js';
import type { Ort, Tools } from '../discover.js';
import { firstLine } from '../packages.js';
import type { TimingOptions, TimingStats } from '../timing.js';
import { measure } from '../timing.js';
import type { Workload } from '../workload.js';
import { lastStep, workloadModel } from '../workload.js';

/**
 * onnxruntime-node as an oracle and an anchor: the model rnnkit exports (native ONNX
 * RNN/LSTM/GRU operators) runs in ORT's CPU provider. Graph inputs and outputs follow
 * @rnnkit/onnx-export's names: `input`, optional `lengths`/`h0`/`c0`; `output`, `h_n`, `c_n`.
 */

type Session = OrtNs.InferenceSession;

async function session(ort: Ort, bytes: Uint8Array, threads: number): Promise<Session> {
  return ort.InferenceSession.create(bytes, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
}

/** A model of one recurrent layer holding a conformance case's parameters. */
function caseModel(c: ConformanceCase, d: CaseData): Model {
  const params = new Map([...d.params].map(([k, v]) => [`0.${k}`, v.slice()]));
  return new Model({ format: 'rnnkit.model', version: 1, seed: c.seed, layers: [c.spec] }, params);
}

/** Exports the case, runs it in ORT (1 thread) and compares output, h_n and c_n with the float64 reference. */
export async function checkOnnxCase(tools: Tools, c: ConformanceCase, d: CaseData, ref: ReferenceResult): Promise<OnnxRow> {
  const ort = tools.ort!;
  const t0 = performance.now();
  const variant = c.name.split(' ')[0];
  try {
    const bytes = await tools.exportOnnx!(caseModel(c, d), { lengths: Boolean(c.lengths), initialState: c.initialState });
    const s = await session(ort, bytes, 1);
    const feeds: Record<string, OrtNs.Tensor> = {};
    for (const name of s.inputNames) {
      if (name === 'lengths') feeds[name] = new ort.Tensor('int32', Int32Array.from(c.lengths!), [c.B]);
      else if (name === 'h0') feeds[name] = new ort.Tensor('float32', d.h0!, d.stateShape);
      else if (name === 'c0') feeds[name] = new ort.Tensor('float32', d.c0!, d.stateShape);
      else feeds[name] = new ort.Tensor('float32', d.x, d.xShape);
    }
    const out = await s.run(feeds);
    const compared: string[] = [];
    let error = 0;
    const cmp = (name: string, r: Float64Array | undefined) => {
      const t = out[name];
      if (!t || !r) return;
      compared.push(name);
      error = Math.max(error, scaledError(t.data as Float32Array, r));
    };
    cmp('output', ref.output);
    cmp('h_n', ref.hN);
    cmp('c_n', ref.cN);
    await s.release();
    if (compared.length === 0) throw new Error(`no known output among ${s.outputNames.join(', ')}`);
    return { case: c.name, variant, error, compared, pass: error <= FORWARD_TOLERANCE, ms: performance.now() - t0 };
  } catch (e) {
    return { case: c.name, variant, error: Infinity, compared: [], pass: false, ms: performance.now() - t0, failure: firstLine(e) };
  }
}

export interface AnchorRun {
  anchor: string;
  task: 'forward' | 'train';
  stats?: TimingStats;
  /** Output at the last step, [B, H], for the cross-engine check (forward runs only). */
  lastStep?: Float32Array;
  /** Set when the output is not comparable with rnnkit's (another form of the cell). */
  incomparable?: boolean;
  failure?: string;
  note?: string;
}

/** File size for a note: `412 KiB`. */
export function fmtBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${(n / 1024).toFixed(0)} KiB`;
}

/** The engine label of onnxruntime on the int8 export: `onnxruntime int8 1t`. */
export function ortInt8Label(threads: number): string {
  return `onnxruntime int8 ${threads}t`;
}

/** Why GRU and RNN have no onnxruntime int8 row (said in their float32 rows' note): there is no op to export them to. */
export const NO_ORT_INT8 =
  "no onnxruntime int8 row: onnxruntime has no int8 GRU/RNN op (DynamicQuantizeLSTM is LSTM-only; { quantized: 'dequantize' } would run this float32)";

/** Times one exported file in ORT at each intra-op thread count: session.run on prebuilt input tensors, output on the host. */
async function timeSessions(
  ort: Ort,
  bytes: Uint8Array,
  w: Workload,
  threads: readonly number[],
  label: (n: number) => string,
  note: string,
  timing: TimingOptions,
) {
  const { B, T, D } = w.shape;
  const runs: AnchorRun[] = [];
  for (const n of threads) {
    const anchor = label(n);
    try {
      const s = await session(ort, bytes, n);
      const feeds = { [s.inputNames[0]]: new ort.Tensor('float32', w.x, [B, T, D]) };
      let last: Float32Array | undefined;
      const stats = await measure(async () => {
        const out = await s.run(feeds);
        last = out.output.data as Float32Array;
      }, timing);
      await s.release();
      runs.push({ anchor, task: 'forward', stats, note, ...(last ? { lastStep: lastStep(last, w) } : {}) });
    } catch (e) {
      runs.push({ anchor, task: 'forward', failure: firstLine(e) });
    }
  }
  return runs;
}

/**
 * Inference timing of the exported workload model in ORT at each intra-op thread count. One
 * run = session.run on prebuilt input tensors, output on the host. With `int8`, also the
 * workload model quantized by core's `quantize` and exported with `{ quantized: 'int8' }`
 * (onnxruntime's DynamicQuantizeLSTM: LSTM only; GRU and RNN rows say why there is none).
 * Each row's note gives the .onnx file's size.
 */
export async function onnxruntimeSpeed(tools: Tools, w: Workload, threads: readonly number[], timing: TimingOptions, int8 = false): Promise<AnchorRun[]> {
  const ort = tools.ort!;
  const model = workloadModel(w);
  let bytes: Uint8Array;
  try {
    bytes = await tools.exportOnnx!(model);
  } catch (e) {
    return threads.map((n) => ({ anchor: `onnxruntime ${n}t`, task: 'forward' as const, failure: `export failed: ${firstLine(e)}` }));
  }
  const runs = await timeSessions(ort, bytes, w, threads, (n) => `onnxruntime ${n}t`, `float32 .onnx ${fmtBytes(bytes.length)}`, timing);
  // GRU and RNN: the first onnxruntime row says why no int8 one follows.
  if (int8 && w.cell !== 'lstm' && runs[0]?.note) runs[0].note += `; ${NO_ORT_INT8}`;
  if (!int8 || w.cell !== 'lstm') return runs;
  let q: Uint8Array;
  try {
    q = await tools.exportOnnx!(await quantize(model, { weights: 'int8' }), { quantized: 'int8' });
  } catch (e) {
    return [...runs, ...threads.map((n) => ({ anchor: ortInt8Label(n), task: 'forward' as const, failure: `int8 export failed: ${firstLine(e)}` }))];
  }
  const note = `DynamicQuantizeLSTM; int8 .onnx ${fmtBytes(q.length)} vs float32 ${fmtBytes(bytes.length)} (${(bytes.length / q.length).toFixed(1)}× smaller)`;
  return [...runs, ...(await timeSessions(ort, q, w, threads, ortInt8Label, note, timing))];
}
