/**
 * The page's model code in Node on backend-cpu: the gradient-flow measurement against a plain
 * one-sequence-at-a-time computation, and each task's train → output → files → load round trip.
 */
import { createCpuBackend } from '@rnnkit/backend-cpu';
import type { Backend, Model, TokenInput } from '@rnnkit/core';
import { adam, fit, manyToOne, oneToMany, Rng } from '@rnnkit/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { modelFile, readModelFiles } from '../src/files.js';
import type { GradientProbe } from '../src/gradients.js';
import { hiddenStateGradients } from '../src/gradients.js';
import type { CellName, TaskName, TrainConfig } from '../src/shared.js';
import { createTask } from '../src/tasks.js';

let be: Backend;
beforeAll(async () => {
  be = await createCpuBackend();
});

/**
 * ‖∂L/∂h_t‖ the slow way: for each t, the prefix alone gives (h_t, c_t), the rest of the
 * sequence alone runs from it, and backward gives the initial-state gradient. No lengths, no batching.
 */
async function slowNorms(p: GradientProbe): Promise<number[][]> {
  const m = p.model;
  const T = p.input.kind === 'float' ? p.input.data.length / p.input.features : p.input.ids.length;
  const part = (a: number, b: number): { data: Float32Array; shape: number[] } | TokenInput =>
    p.input.kind === 'float'
      ? { data: p.input.data.slice(a * p.input.features, b * p.input.features), shape: [1, b - a, p.input.features] }
      : { ids: p.input.ids.slice(a, b), shape: [1, b - a] };
  const rec = m.spec.layers.find((l) => l.type === 'recurrent')!;
  const L = rec.type === 'recurrent' ? rec.numLayers : 0;
  const H = rec.type === 'recurrent' ? rec.hiddenSize : 0;
  const init = p.h0 ? { h0: { data: p.h0, shape: [L, 1, H] }, ...(p.c0 ? { c0: { data: p.c0, shape: [L, 1, H] } } : {}) } : {};
  const norms: number[][] = Array.from({ length: L }, () => []);
  for (let t = T - 2; t >= 0; t--) {
    const pre = m.forward(part(0, t + 1), init);
    const suf = m.forward(part(t + 1, T), { h0: pre.states[0].hN, ...(pre.states[0].cN ? { c0: pre.states[0].cN } : {}), training: true });
    let d: Float32Array;
    if (suf.output.shape.length === 2) d = new Float32Array(suf.output.shape[1]).fill(1);
    else {
      const logits = await be.read(suf.output);
      const V = suf.output.shape[2];
      const at = logits.length - V;
      const z = logits.subarray(at);
      const mx = Math.max(...z);
      const sum = z.reduce((s, v) => s + Math.exp(v - mx), 0);
      d = new Float32Array(logits.length);
      for (let v = 0; v < V; v++) d[at + v] = Math.exp(z[v] - mx) / sum - (v === p.target ? 1 : 0);
    }
    const dOut = be.upload(d, suf.output.shape);
    const g = suf.backward({ dOutput: dOut });
    const h = await be.read(g.h0!);
    for (let l = 0; l < L; l++) norms[l].push(Math.hypot(...h.subarray(l * H, (l + 1) * H)));
    g.dispose();
    be.dispose(dOut);
    suf.dispose();
    pre.dispose();
  }
  return norms;
}

function close(a: number[][], b: number[][]): void {
  expect(a.length).toBe(b.length);
  a.forEach((row, l) => {
    expect(row.length).toBe(b[l].length);
    for (const [i, v] of row.entries()) expect(Math.abs(v - b[l][i])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(b[l][i])));
  });
}

describe('hiddenStateGradients', () => {
  for (const cell of ['rnn', 'lstm', 'gru'] as const) {
    it(`${cell}, 2 layers, float input, many-to-one head: matches the one-sequence-at-a-time computation`, async () => {
      const model = manyToOne({ cell, inputSize: 2, hiddenSize: 5, numLayers: 2, outputSize: 1, seed: 3 }).to(be);
      const r = new Rng(1);
      const probe: GradientProbe = { model, input: { kind: 'float', data: Float32Array.from({ length: 14 }, () => r.normal()), features: 2 } };
      const g = await hiddenStateGradients(probe);
      expect(g.distance).toEqual([1, 2, 3, 4, 5, 6]);
      close(g.norms, await slowNorms(probe));
      model.dispose();
    });

    it(`${cell}, token input with an initial state, per-step logits: matches too`, async () => {
      const model = oneToMany({ cell, vocabSize: 7, embeddingDim: 3, hiddenSize: 4, numLayers: 2, seed: 5 }).to(be);
      const r = new Rng(2);
      const probe: GradientProbe = {
        model,
        input: { kind: 'ids', ids: Int32Array.from({ length: 6 }, () => r.int(7)) },
        h0: Float32Array.from({ length: 8 }, () => r.normal() * 0.5),
        ...(cell === 'lstm' ? { c0: Float32Array.from({ length: 8 }, () => r.normal() * 0.5) } : {}),
        target: 3,
      };
      const g = await hiddenStateGradients(probe);
      close(g.norms, await slowNorms(probe));
      model.dispose();
    });
  }

  it('an RNN at init passes back less gradient from far away than from nearby', async () => {
    const model = manyToOne({ cell: 'rnn', inputSize: 1, hiddenSize: 16, outputSize: 1, seed: 1 }).to(be);
    const r = new Rng(4);
    const g = await hiddenStateGradients({ model, input: { kind: 'float', data: Float32Array.from({ length: 40 }, () => r.normal()), features: 1 } });
    expect(g.norms[0][38]).toBeLessThan(1e-3 * g.norms[0][0]);
    model.dispose();
  });
});

const small: Record<TaskName, Partial<TrainConfig>> = {
  forecast: { hiddenSize: 8, seqLen: 8 },
  charlm: { hiddenSize: 12, seqLen: 10 },
  seq2seq: { hiddenSize: 12, seqLen: 2 },
};

describe('tasks', () => {
  const cases: [TaskName, CellName][] = [
    ['forecast', 'gru'],
    ['charlm', 'lstm'],
    ['seq2seq', 'rnn'],
    ['seq2seq', 'lstm'],
  ];
  for (const [taskName, cell] of cases) {
    it(`${taskName} with ${cell}: trains, shows output, and its files load back to the same model`, async () => {
      const config: TrainConfig = {
        task: taskName,
        cell,
        backend: 'cpu',
        hiddenSize: 8,
        numLayers: 1,
        seqLen: 8,
        batchSize: 16,
        steps: 3,
        lr: 0.01,
        seed: 1,
        ...small[taskName],
      };
      const task = createTask(config, be);
      const losses: number[] = [];
      await fit(task.objective, task.train, {
        ...(task.loss ? { loss: task.loss } : {}),
        optimizer: adam({ lr: 0.01 }),
        epochs: 100,
        batchSize: 16,
        callbacks: {
          onStepEnd: (s, c) => {
            losses.push(s.loss);
            if (s.step >= 3) c.stop();
          },
        },
      });
      expect(losses).toHaveLength(3);
      const out = await task.output();
      expect(out.kind).toBe(taskName);
      const g = await hiddenStateGradients(await task.gradientProbe());
      expect(g.norms[0].every((v) => Number.isFinite(v))).toBe(true);
      const probes = await task.probes();
      expect(probes.map((p) => p.model)).toEqual(task.models.map((m) => m.role));

      // Bundles for one load, graph JSON + weights for another: both give the same outputs.
      const roles = task.models.map((m) => m.role);
      const bundles = await Promise.all(roles.map((r) => modelFile(task, r, 'bundle')));
      const pairs = (await Promise.all(roles.flatMap((r) => [modelFile(task, r, 'spec'), modelFile(task, r, 'weights')]))).flat();
      for (const files of [bundles, pairs]) {
        const { models, meta } = readModelFiles(files);
        expect(meta.config).toEqual(config);
        const again = createTask(config, be, models, meta);
        const p2 = await again.probes();
        for (const [i, p] of p2.entries()) expect(p.output.data).toEqual(probes[i].output.data);
        again.dispose();
      }
      for (const r of roles) expect((await modelFile(task, r, 'onnx')).bytes.length).toBeGreaterThan(100);
      task.dispose();
    });
  }

  it('refuses weights without their graph, and files without playground metadata', async () => {
    const task = createTask(
      { task: 'forecast', cell: 'gru', backend: 'cpu', hiddenSize: 4, numLayers: 1, seqLen: 4, batchSize: 4, steps: 1, lr: 0.01, seed: 1 },
      be,
    );
    const w = await modelFile(task, 'model', 'weights');
    expect(() => readModelFiles([w])).toThrow(/weights only/);
    const { saveModelBundle } = await import('@rnnkit/core');
    const plain = await saveModelBundle(task.models[0].model as Model);
    expect(() => readModelFiles([{ name: 'x.safetensors', bytes: plain }])).toThrow(/no playground metadata/);
    task.dispose();
  });
});
