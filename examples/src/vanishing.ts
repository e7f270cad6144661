/**
 * The vanishing-gradient point made visible. On a long-range task (the class of a sequence is
 * the sign of its first input; 59 noise steps follow) we measure ‖∂L/∂h_t‖ — how much the loss
 * still feels the hidden state t steps before the end — for a vanilla RNN (tanh), an LSTM and a
 * GRU of the same width, at initialization and after a short training run.
 *
 * ∂L/∂h_t is read off the API itself: the states h_t (and c_t) come from streaming the sequence
 * step by step, then the rest of the sequence runs from h_t as the initial state and backward
 * returns d loss / d h0. Results go to examples/out/vanishing.json and vanishing.svg.
 *
 *   pnpm --filter @rnnkit/examples run vanishing
 */

import type { HostTensor, Model } from '@rnnkit/core';
import { adam, crossEntropy, evaluate, fit, manyToOne, Rng, stream } from '@rnnkit/core';
import { lineChart } from './chart.js';
import { cpu, examplesPath, isMain, writeOutput } from './common.js';

export interface VanishingOptions {
  /** Sequence length. Default 60. */
  T?: number;
  /** Training epochs per cell for the "trained" curves. Default 12. */
  epochs?: number;
  /** Measure every `stride`-th distance (1 = all). Default 1. */
  stride?: number;
  seed?: number;
  outDir?: string;
  quiet?: boolean;
}

type CellName = 'rnn' | 'lstm' | 'gru';

export interface CellCurves {
  /** [d, mean over sequences of ‖∂L/∂h‖ for the state d steps before the loss]. */
  init: [number, number][];
  trained: [number, number][];
  /** Validation accuracy after training (0.5 = chance). */
  accuracy: number;
}

export interface VanishingResult {
  T: number;
  hiddenSize: number;
  /** By run: rnn, lstm, gru (PyTorch's default init), lstm_open_gates, gru_open_gates. */
  runs: Record<string, CellCurves>;
  files: { json: string; svg: string; svgTrained: string };
  seconds: number;
}

/**
 * Every input is a random ±1; the class is the sign of the first one. The distractors look
 * exactly like the signal, so the model has to keep step 0 in its state for T − 1 steps.
 */
export function makeLongRange(N: number, T: number, seed: number) {
  const r = new Rng(seed);
  const x = new Float32Array(N * T);
  const y = new Int32Array(N);
  for (let n = 0; n < N; n++) {
    for (let t = 0; t < T; t++) x[n * T + t] = r.int(2) ? 1 : -1;
    y[n] = x[n * T] > 0 ? 1 : 0;
  }
  return { x: { data: x, shape: [N, T, 1] } as HostTensor, y: { ids: y, shape: [N] } };
}

/** ‖∂L/∂h‖ at the farthest distance measured over the one at distance 1. */
export function decay(curve: readonly [number, number][]): number {
  return curve[curve.length - 1][1] / curve[0][1];
}

function steps(x: HostTensor, s: number, k: number): HostTensor {
  const [B, T] = x.shape;
  const out = new Float32Array(B * k);
  for (let b = 0; b < B; b++) out.set(x.data.subarray(b * T + s, b * T + s + k), b * k);
  return { data: out, shape: [B, k, 1] };
}

/**
 * ‖∂L/∂h‖ for the state d = 1..T steps before the loss, averaged over the batch. Uses a summed
 * loss, so each sequence's gradient is its own loss's.
 */
export async function gradientNorms(model: Model, data: { x: HostTensor; y: { ids: Int32Array; shape: number[] } }, stride = 1): Promise<[number, number][]> {
  const be = model.backend;
  const [B, T] = data.x.shape;
  const loss = crossEntropy({ reduction: 'sum' });
  // States after each step: states[t] is (h_t, c_t).
  const s = stream(model);
  const states: { h: HostTensor; c?: HostTensor }[] = [];
  for (let t = 0; t < T; t++) {
    await s.push(steps(data.x, t, 1));
    states.push((await s.state())!);
  }
  s.dispose();
  const norms: [number, number][] = [];
  for (let d = 1; d <= T; d = d === 1 && stride > 1 ? stride : d + stride) {
    const t = T - d;
    // The state that enters step t: h_{t−1} (zeros for t = 0), T − t steps before the loss.
    const init = t === 0 ? undefined : states[t - 1];
    const pass = model.forward(steps(data.x, t, T - t), {
      training: true,
      ...(init ? { h0: init.h, ...(init.c ? { c0: init.c } : {}) } : { h0: { data: new Float32Array(states[0].h.data.length), shape: states[0].h.shape } }),
    });
    const lv = loss.compute(be, pass.output, data.y);
    const g = pass.backward({ dOutput: lv.grad });
    const dh = await be.read(g.h0!);
    const H = dh.length / B;
    let mean = 0;
    for (let b = 0; b < B; b++) {
      let q = 0;
      for (let j = 0; j < H; j++) q += dh[b * H + j] ** 2;
      mean += Math.sqrt(q) / B;
    }
    norms.push([d, mean]);
    g.dispose();
    be.dispose(lv.loss);
    be.dispose(lv.grad);
    pass.dispose();
  }
  return norms;
}

/**
 * Opens the memory gates at initialization ("chrono" / unit-forget-bias style, Jozefowicz et al.
 * 2015, Tallec & Ollivier 2018): LSTM forget-gate bias and GRU update-gate bias (the second
 * block of G·H) raised by `bias`, so the cell starts out carrying its state forward. A vanilla
 * RNN has no gate to open.
 */
export async function openGates(model: Model, bias: number): Promise<void> {
  const sd = await model.stateDict();
  const rec = model.spec.layers.find((l) => l.type === 'recurrent');
  if (rec?.type !== 'recurrent' || (rec.cell !== 'lstm' && rec.cell !== 'gru')) return;
  const H = rec.hiddenSize;
  const layer = model.spec.layers.indexOf(rec);
  const b = sd.get(`${layer}.bias_ih_l0`)!;
  for (let j = H; j < 2 * H; j++) b[j] += bias;
  model.loadStateDict(sd);
}

type Config = { key: string; cell: CellName; gates: boolean };

export async function runVanishing(o: VanishingOptions = {}): Promise<VanishingResult> {
  const t0 = performance.now();
  const T = o.T ?? 50;
  const seed = o.seed ?? 1;
  const epochs = o.epochs ?? 12;
  const stride = o.stride ?? 1;
  const H = 32;
  const backend = await cpu();
  const train = makeLongRange(512, T, seed);
  const val = makeLongRange(256, T, seed + 1);
  const probe = makeLongRange(64, T, seed + 2);
  const configs: Config[] = [
    { key: 'rnn', cell: 'rnn', gates: false },
    { key: 'lstm', cell: 'lstm', gates: false },
    { key: 'gru', cell: 'gru', gates: false },
    { key: 'lstm_open_gates', cell: 'lstm', gates: true },
    { key: 'gru_open_gates', cell: 'gru', gates: true },
  ];
  const runs: Record<string, CellCurves> = {};
  for (const c of configs) {
    const model = manyToOne({ cell: c.cell, inputSize: 1, hiddenSize: H, outputSize: 2, seed }).to(backend);
    if (c.gates) await openGates(model, GATE_BIAS);
    const init = await gradientNorms(model, probe, stride);
    await fit(model, train, { loss: 'crossEntropy', optimizer: adam({ lr: 0.01 }), epochs, batchSize: 32, maxNorm: 1, seed });
    const accuracy = (await evaluate(model, val, { loss: 'crossEntropy', metrics: ['accuracy'] })).metrics.accuracy;
    const trained = await gradientNorms(model, probe, stride);
    runs[c.key] = { init, trained, accuracy };
    if (!o.quiet)
      console.log(
        `[vanishing] ${c.key}: ‖∂L/∂h‖ ${T} steps back / 1 step back: init ${decay(init).toExponential(2)}, trained ${decay(trained).toExponential(2)}; accuracy after ${epochs} epochs ${(100 * accuracy).toFixed(1)}%`,
      );
    model.dispose();
  }
  const dir = o.outDir ?? examplesPath('out');
  const style: Record<string, { name: string; color: string; dashed?: boolean }> = {
    rnn: { name: 'RNN (tanh)', color: '#d62728' },
    lstm: { name: 'LSTM', color: '#1f77b4', dashed: true },
    gru: { name: 'GRU', color: '#2ca02c', dashed: true },
    lstm_open_gates: { name: 'LSTM, forget bias +3', color: '#1f77b4' },
    gru_open_gates: { name: 'GRU, update bias +3', color: '#2ca02c' },
  };
  const chart = (which: 'init' | 'trained', title: string) =>
    lineChart({
      title,
      xLabel: 'steps between the hidden state and the loss',
      yLabel: 'mean ‖∂L/∂h‖ (log scale)',
      logY: true,
      series: configs.map((c) => ({
        ...style[c.key],
        name: which === 'trained' ? `${style[c.key].name} (${Math.round(100 * runs[c.key].accuracy)}%)` : style[c.key].name,
        points: runs[c.key][which],
      })),
    });
  const json = {
    task: `class = sign of the first of ${T} random ±1 inputs`,
    T,
    hiddenSize: H,
    epochs,
    note: 'each curve lists [d, mean over 64 probe sequences of the L2 norm of dL/dh for the state d steps before the loss]; accuracy is on 256 held-out sequences after training (0.5 = chance)',
    runs,
  };
  const files = {
    json: writeOutput(`${dir}/vanishing.json`, JSON.stringify(json, null, 1)),
    svg: writeOutput(`${dir}/vanishing.svg`, chart('init', `‖∂L/∂h‖ at initialization (T = ${T}, H = ${H})`)),
    svgTrained: writeOutput(`${dir}/vanishing_trained.svg`, chart('trained', `‖∂L/∂h‖ after ${epochs} epochs (held-out accuracy in brackets)`)),
  };
  return { T, hiddenSize: H, runs, files, seconds: (performance.now() - t0) / 1000 };
}

/** How far the gates are opened in the `_open_gates` runs. */
export const GATE_BIAS = 3;

if (isMain(import.meta.url)) {
  const r = await runVanishing();
  console.log(`wrote ${r.files.json}, ${r.files.svg} and ${r.files.svgTrained} (${r.seconds.toFixed(1)} s)`);
}
