import type { Backend } from '../../backend/backend.js';
import { isRnnkitError } from '../../errors.js';
import type { LayerDraft } from '../../graph/builders.js';
import { gru, lastStep, linear, lstm, rnn } from '../../graph/builders.js';
import type { Model } from '../../model/model.js';
import { sequential } from '../../model/model.js';
import type { HostTensor } from '../../tensor.js';
import type { TrainData } from '../../train/batch.js';
import { fit, trainStep } from '../../train/fit.js';
import { supervised } from '../../train/objective.js';
import type { Optimizer } from '../../train/optimizers.js';
import { adam, sgd } from '../../train/optimizers.js';
import { Rng } from '../../util/rng.js';
import { check, expectRnnkitError } from './expect.js';
import { failingAt } from './fault_injection.js';
import type { KitCase } from './primitive_cases.js';

/** Bitwise equality of two state dicts (NaN payloads and -0 included). */
function sameBits(a: Map<string, Float32Array>, b: Map<string, Float32Array>, label: string): void {
  check(a.size === b.size, `${label}: ${a.size} parameters, expected ${b.size}`);
  for (const [k, v] of b) {
    const w = a.get(k);
    check(w !== undefined && w.length === v.length, `${label}: ${k} missing or resized`);
    const x = new Uint32Array(w.buffer, w.byteOffset, w.length);
    const y = new Uint32Array(v.buffer, v.byteOffset, v.length);
    for (let i = 0; i < x.length; i++) check(x[i] === y[i], `${label}: ${k}[${i}] is ${w[i]}, expected ${v[i]} (bit for bit)`);
  }
}

function allFinite(s: Map<string, Float32Array>): boolean {
  for (const v of s.values()) for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return false;
  return true;
}

/** N sequences [N, T, D] with regression targets [N, 1], seeded. */
function regressionData(N: number, T: number, D: number, seed: number, scale = 1): { x: HostTensor; y: HostTensor } {
  const rng = new Rng(seed);
  const x = new Float32Array(N * T * D);
  for (let i = 0; i < x.length; i++) x[i] = rng.range(-1, 1) * scale;
  const y = new Float32Array(N);
  for (let i = 0; i < N; i++) y[i] = rng.range(-1, 1) * scale;
  return { x: { data: x, shape: [N, T, D] }, y: { data: y, shape: [N, 1] } };
}

/** Samples [from, to) of a regression set. */
function slice(d: { x: HostTensor; y: HostTensor }, from: number, to: number): { x: HostTensor; y: HostTensor } {
  const per = d.x.shape[1] * d.x.shape[2];
  return {
    x: { data: d.x.data.slice(from * per, to * per), shape: [to - from, d.x.shape[1], d.x.shape[2]] },
    y: { data: d.y.data.slice(from, to), shape: [to - from, 1] },
  };
}

function concat(a: { x: HostTensor; y: HostTensor }, b: { x: HostTensor; y: HostTensor }): { x: HostTensor; y: HostTensor } {
  const x = new Float32Array(a.x.data.length + b.x.data.length);
  x.set(a.x.data);
  x.set(b.x.data, a.x.data.length);
  const y = new Float32Array(a.y.data.length + b.y.data.length);
  y.set(a.y.data);
  y.set(b.y.data, a.y.data.length);
  return { x: { data: x, shape: [a.x.shape[0] + b.x.shape[0], a.x.shape[1], a.x.shape[2]] }, y: { data: y, shape: [y.length, 1] } };
}

const small = (): LayerDraft[] => [lstm({ inputSize: 2, hiddenSize: 4 }), lastStep(), linear({ outFeatures: 1 })];

/**
 * Three batches of 4 where the middle one has a NaN target: its loss is NaN, the others are
 * finite. `clean` is the same data without that batch.
 */
function dataWithNaNBatch(): { poisoned: TrainData; clean: TrainData; after: TrainData } {
  const d = regressionData(12, 3, 2, 7);
  const bad = slice(d, 4, 8);
  bad.y.data[1] = Number.NaN;
  const first = slice(d, 0, 4);
  const last = slice(d, 8, 12);
  return { poisoned: concat(concat(first, bad), last), clean: concat(first, last), after: last };
}

/** What the cases count: live tensors, and the engine's own resources when the backend reports them. */
interface Counter {
  resources?(be: Backend): number;
}

/** A snapshot of what `be` holds; `leaked()` says what is held beyond it ('' when nothing). */
function holdings(be: Backend, c: Counter): { leaked(): string } {
  const tensors = be.liveTensors();
  const resources = c.resources?.(be);
  return {
    leaked() {
      const t = be.liveTensors() - tensors;
      const r = resources === undefined ? 0 : c.resources!(be) - resources;
      return t === 0 && r === 0 ? '' : `${t} tensors${resources === undefined ? '' : ` and ${r} engine resources`} leaked`;
    },
  };
}

/** Live tensors (and engine resources) of `be` must come back to `baseline` once `models` and `optimizers` are disposed. */
function disposeAll(baseline: { leaked(): string }, models: Model[], optimizers: Optimizer[], label: string): void {
  for (const o of optimizers) o.dispose();
  for (const m of models) m.dispose();
  const l = baseline.leaked();
  check(l === '', `${label}: ${l}`);
}

/**
 * The reliability promises of docs/reliability.md, on any backend: oversized requests refused
 * before allocation, the non-finite training guard, all-or-nothing public calls under a fault at
 * every backend call, dispose in any order, and one training call per model at a time.
 */
export function reliabilityCases(counter: Counter = {}): KitCase[] {
  return [
    {
      name: 'oversized requests are LIMIT_EXCEEDED before anything is allocated, and the backend stays usable',
      async run(be) {
        const baseline = holdings(be, counter);
        await expectRnnkitError(() => be.zeros([2 ** 20, 2 ** 20, 2 ** 10]), 'LIMIT_EXCEEDED', 'zeros: shape:');
        await expectRnnkitError(() => be.fill([2 ** 25, 2 ** 25], 1), 'LIMIT_EXCEEDED', 'fill: shape:');
        const a = be.upload(Float32Array.from([1, 2]), [1, 2]);
        try {
          const withA = holdings(be, counter);
          await expectRnnkitError(() => be.scatterAddRows(a, Int32Array.from([0]), 2 ** 50), 'LIMIT_EXCEEDED', 'scatterAddRows: numRows:');
          const l = withA.leaked();
          check(l === '', `refused requests: ${l}`);
          const z = be.zeros([3]);
          const v = await be.read(z);
          be.dispose(z);
          check(v.length === 3 && v.every((x) => x === 0), `the backend is not usable after refused requests: read ${Array.from(v)}`);
        } finally {
          be.dispose(a);
        }
        const l = baseline.leaked();
        check(l === '', l);
      },
    },
    {
      name: 'a non-finite loss stops fit before its step (TRAINING_DIVERGED): parameters and optimizer state as before it',
      async run(be) {
        const baseline = holdings(be, counter);
        const { poisoned, clean, after } = dataWithNaNBatch();
        const a = sequential(small(), { seed: 3 }).to(be);
        const oa = adam({ lr: 0.01 });
        let last: Map<string, Float32Array> | undefined;
        const err = await expectRnnkitError(
          () =>
            fit(a, poisoned, {
              loss: 'mse',
              optimizer: oa,
              batchSize: 4,
              shuffle: false,
              callbacks: { onStepEnd: async () => void (last = await a.stateDict()) },
            }),
          'TRAINING_DIVERGED',
          'epoch 0, batch 1',
        );
        check(err.message.includes('loss NaN'), `the message names the non-finite loss: ${err.message}`);
        check(last !== undefined && oa.stepCount === 1, `one step before the NaN batch, got ${oa.stepCount}`);
        sameBits(await a.stateDict(), last!, 'parameters after TRAINING_DIVERGED');
        // Going on from there must be exactly the run without the NaN batch: Adam's moments and step count were kept.
        await fit(a, after, { loss: 'mse', optimizer: oa, batchSize: 4, shuffle: false });
        const b = sequential(small(), { seed: 3 }).to(be);
        const ob = adam({ lr: 0.01 });
        await fit(b, clean, { loss: 'mse', optimizer: ob, batchSize: 4, shuffle: false });
        sameBits(await a.stateDict(), await b.stateDict(), 'resumed run against the run without the NaN batch');
        disposeAll(baseline, [a, b], [oa, ob], 'TRAINING_DIVERGED');
      },
    },
    {
      name: "nonFinite: 'skip' leaves out exactly the non-finite steps; 'allow' applies them",
      async run(be) {
        const baseline = holdings(be, counter);
        const { poisoned, clean } = dataWithNaNBatch();
        const a = sequential(small(), { seed: 5 }).to(be);
        const oa = adam({ lr: 0.01 });
        const h = await fit(a, poisoned, { loss: 'mse', optimizer: oa, batchSize: 4, shuffle: false, epochs: 2, nonFinite: 'skip' });
        check(h.skippedSteps === 2 && h.steps === 6 && oa.stepCount === 4, `skip: ${h.skippedSteps} skipped of ${h.steps}, ${oa.stepCount} optimizer steps`);
        check(
          h.epochs.every((e) => Number.isFinite(e.loss)),
          `skip: epoch losses ${h.epochs.map((e) => e.loss)}`,
        );
        const b = sequential(small(), { seed: 5 }).to(be);
        const ob = adam({ lr: 0.01 });
        await fit(b, clean, { loss: 'mse', optimizer: ob, batchSize: 4, shuffle: false, epochs: 2 });
        sameBits(await a.stateDict(), await b.stateDict(), "nonFinite: 'skip' against the run without the NaN batch");
        const c = sequential(small(), { seed: 5 }).to(be);
        const oc = adam({ lr: 0.01 });
        await fit(c, poisoned, { loss: 'mse', optimizer: oc, batchSize: 4, shuffle: false, nonFinite: 'allow' });
        check(!allFinite(await c.stateDict()), "nonFinite: 'allow' applied the NaN step (the parameters are NaN)");
        disposeAll(baseline, [a, b, c], [oa, ob, oc], 'nonFinite');
      },
    },
    {
      name: 'a ReLU RNN at lr = 10 stops with TRAINING_DIVERGED and keeps finite weights; earlyStopping restores the best epoch',
      async run(be) {
        const baseline = holdings(be, counter);
        const d = regressionData(16, 6, 3, 11, 3);
        const layers = () => [rnn({ inputSize: 3, hiddenSize: 8, nonlinearity: 'relu' }), lastStep(), linear({ outFeatures: 1 })];
        const a = sequential(layers(), { seed: 2 }).to(be);
        const oa = sgd({ lr: 10 });
        await expectRnnkitError(() => fit(a, d, { loss: 'mse', optimizer: oa, batchSize: 4, epochs: 50 }), 'TRAINING_DIVERGED');
        check(allFinite(await a.stateDict()), 'the weights stayed finite');
        // Let it through, with early stopping watching: the NaN epochs are no improvement, and the best one comes back.
        // Two calm epochs (lr 0.01 for 8 steps), then lr 10.
        const b = sequential(layers(), { seed: 2 }).to(be);
        const ob = sgd({ lr: 10, schedule: (step) => (step < 8 ? 0.001 : 1) });
        const snapshots: Map<string, Float32Array>[] = [];
        const h = await fit(b, d, {
          loss: 'mse',
          optimizer: ob,
          batchSize: 4,
          epochs: 50,
          nonFinite: 'allow',
          earlyStopping: { monitor: 'loss', patience: 3, restoreBest: true },
          callbacks: { onEpochEnd: async () => void snapshots.push(await b.stateDict()) },
        });
        check(
          h.stoppedEarly && h.bestEpoch !== undefined,
          `stopped early at a best epoch: ${JSON.stringify({ stopped: h.stoppedEarly, best: h.bestEpoch, losses: h.epochs.map((e) => e.loss) })}`,
        );
        check(
          h.epochs.some((e) => Number.isNaN(e.loss)),
          `the run diverged: losses ${h.epochs.map((e) => e.loss)}`,
        );
        sameBits(await b.stateDict(), snapshots[h.bestEpoch!], 'restoreBest after NaN epochs');
        disposeAll(baseline, [a, b], [oa, ob], 'ReLU at lr = 10');
      },
    },
    {
      name: 'a fault at every backend call of to, forward, trainStep and loadStateDict leaks nothing and changes nothing',
      async run(be) {
        const baseline = holdings(be, counter);
        const d = regressionData(4, 3, 2, 9);
        const batch = { x: d.x, y: d.y, size: 4 };
        const host = await sequential([gru({ inputSize: 2, hiddenSize: 3 }), lastStep(), linear({ outFeatures: 1 })], { seed: 4 }).stateDict();
        const build = () => sequential([gru({ inputSize: 2, hiddenSize: 3 }), lastStep(), linear({ outFeatures: 1 })], { seed: 4 });
        // What a clean run gives: one step, then a second step (which reads the optimizer's state).
        const ref = build().to(be);
        const oref = adam({ lr: 0.05 });
        await trainStep(supervised(ref, 'mse'), batch, { optimizer: oref });
        const afterOne = await ref.stateDict();
        await trainStep(supervised(ref, 'mse'), batch, { optimizer: oref });
        const afterTwo = await ref.stateDict();
        disposeAll(baseline, [ref], [oref], 'clean run');
        let tried = 0;
        for (let k = 1; ; k++) {
          const counter = { left: k };
          const faulty = failingAt(be, counter);
          const m = build();
          const o = adam({ lr: 0.05 });
          let failed = false;
          try {
            m.to(faulty);
            const pass = m.forward(d.x);
            pass.dispose();
            await trainStep(supervised(m, 'mse'), batch, { optimizer: o });
            m.loadStateDict(await m.stateDict());
          } catch (e) {
            check(isRnnkitError(e) && e.message.includes('injected fault'), `fault at call ${k}: another error escaped: ${String(e)}`);
            failed = true;
          }
          if (failed) {
            // The model is as the last finished call left it: on the host, or after the step, never half-way.
            let state: Map<string, Float32Array>;
            try {
              state = await m.stateDict();
            } catch (e) {
              check(false, `fault at call ${k}: the model is unusable after the fault: ${String(e)}`);
              throw e;
            }
            const steps = o.stepCount;
            sameBits(state, steps === 0 ? host : afterOne, `fault at call ${k} (after ${steps} optimizer steps)`);
            // The optimizer's state is as before the fault too: a clean step now gives the clean run's bits.
            counter.left = Number.POSITIVE_INFINITY;
            m.to(faulty);
            await trainStep(supervised(m, 'mse'), batch, { optimizer: o });
            sameBits(await m.stateDict(), steps === 0 ? afterOne : afterTwo, `fault at call ${k}, then a clean step`);
          }
          o.dispose();
          m.dispose();
          const l = baseline.leaked();
          check(l === '', `fault at call ${k}: ${l}`);
          if (!failed) break;
          tried++;
        }
        check(tried > 20, `only ${tried} calls were made`);
      },
    },
    {
      name: 'disposed models say DISPOSED, any dispose order leaks nothing, and a disposed or foreign h0 leaks nothing',
      async run(be) {
        const baseline = holdings(be, counter);
        const d = regressionData(4, 3, 2, 1);
        for (const modelFirst of [true, false]) {
          const m = sequential(small(), { seed: 1 }).to(be);
          const o = adam({ lr: 0.01 });
          await fit(m, d, { loss: 'mse', optimizer: o, batchSize: 4 });
          if (modelFirst) {
            m.dispose();
            o.dispose();
          } else {
            o.dispose();
            m.dispose();
          }
          const l = baseline.leaked();
          check(l === '', `${modelFirst ? 'model, then optimizer' : 'optimizer, then model'}: ${l}`);
          await expectRnnkitError(() => m.forward(d.x), 'DISPOSED', 'disposed');
          await expectRnnkitError(() => m.predict(d.x), 'DISPOSED', 'disposed');
          await expectRnnkitError(() => m.to(be), 'DISPOSED', 'disposed');
          await expectRnnkitError(() => m.stateDict(), 'DISPOSED', 'disposed');
          await expectRnnkitError(() => fit(m, d, { loss: 'mse', optimizer: sgd({ lr: 0.1 }) }), 'DISPOSED', 'disposed');
          m.dispose(); // a second dispose does nothing
        }
        const m = sequential(small(), { seed: 1 }).to(be);
        const h0 = be.zeros([1, 4, 4]);
        be.dispose(h0);
        const live = holdings(be, counter);
        await expectRnnkitError(() => m.forward(d.x, { h0, c0: { data: new Float32Array(16), shape: [1, 4, 4] } }), 'DISPOSED');
        const l = live.leaked();
        check(l === '', `a disposed h0: ${l}`);
        m.dispose();
        const end = baseline.leaked();
        check(end === '', end);
      },
    },
    {
      name: 'a second training call on a model is BUSY while the first runs, and the first is unaffected',
      async run(be) {
        const baseline = holdings(be, counter);
        const d = regressionData(8, 3, 2, 2);
        const m = sequential(small(), { seed: 8 }).to(be);
        const o = sgd({ lr: 0.1 });
        const first = fit(m, d, { loss: 'mse', optimizer: o, batchSize: 4, epochs: 2 });
        await expectRnnkitError(() => fit(m, d, { loss: 'mse', optimizer: sgd({ lr: 0.1 }), batchSize: 4 }), 'BUSY', 'already in fit');
        await expectRnnkitError(() => trainStep(supervised(m, 'mse'), { x: d.x, y: d.y, size: 8 }, { optimizer: o }), 'BUSY');
        await expectRnnkitError(() => m.loadStateDict(new Map()), 'BUSY');
        const h = await first;
        check(h.steps === 4 && o.stepCount === 4, `the first call ran all its steps: ${h.steps}, optimizer ${o.stepCount}`);
        const ref = sequential(small(), { seed: 8 }).to(be);
        const oref = sgd({ lr: 0.1 });
        await fit(ref, d, { loss: 'mse', optimizer: oref, batchSize: 4, epochs: 2 });
        sameBits(await m.stateDict(), await ref.stateDict(), 'the first call against an undisturbed run');
        await fit(m, d, { loss: 'mse', optimizer: o, batchSize: 4 }); // free again
        disposeAll(baseline, [m, ref], [o, oref], 'BUSY');
      },
    },
  ];
}
