import { asRnnkitError, describe, RnnkitError } from '../errors.js';
import type { Model, TokenInput } from '../model/model.js';
import { lockModels } from '../model/model.js';
import type { HostTensor } from '../tensor.js';
import { Rng } from '../util/rng.js';
import type { IdTensor, Targets } from './batch.js';
import { checkTrainData, sliceSteps } from './batch.js';
import type { ClipOptions } from './clip.js';
import { checkClipOptions, clipGradients } from './clip.js';
import type { EpochLog, History, NonFiniteAction } from './fit.js';
import { checkNonFiniteAction, divergedError } from './fit.js';
import type { Loss, LossName } from './losses.js';
import { resolveLoss } from './losses.js';
import type { Metric, MetricName } from './metrics.js';
import { resolveMetric } from './metrics.js';
import { checkModelsReady, checkTokenInput, gradientGroup, perStepTargets, toModelLayout } from './objective.js';
import type { Optimizer } from './optimizers.js';
import type { CarriedState } from './streaming.js';
import { carriedRecurrent, detachState, disposeState } from './streaming.js';

/** A set of long streams, sample-first: x `[B, T, F]` or ids `[B, T]`; y per step `[B, T, …]`. */
export interface StreamData {
  /** Inputs: floats `[B, T, F]` or token ids `[B, T]`; B parallel streams of T steps each. */
  x: HostTensor | TokenInput;
  /** Per-step targets: class ids `[B, T]` or floats `[B, T, F]`, T as in `x`. */
  y: Targets;
}

/** What `TbpttOptions.callbacks.onChunkEnd` receives after each chunk of `fitTruncated`. */
export interface ChunkLog {
  /** Epoch of this chunk (0-based). */
  epoch: number;
  /** Chunk index within the epoch; it covers steps [start, start + length). */
  chunk: number;
  /** First time step of the chunk (0-based). */
  start: number;
  /** Steps in the chunk: `k`, or fewer for the last chunk of an epoch. */
  length: number;
  /** Optimizer steps taken so far (one per chunk, skipped ones included), this one included. */
  step: number;
  /** This chunk's loss. */
  loss: number;
  /** Global L2 norm of the chunk's gradients before clipping. */
  gradNorm: number;
  /** Learning rate this chunk's update used. */
  lr: number;
  /** The chunk's update was skipped (non-finite loss or gradient norm with `nonFinite: 'skip'`). */
  skipped: boolean;
}

export interface TbpttOptions extends ClipOptions {
  /** Steps per chunk: gradients flow through at most k steps. */
  k: number;
  /** The per-step loss (a Loss or its name). Required. */
  loss: Loss | LossName;
  /** Updates the parameters after each chunk (`sgd()`, `adam()`, `adamw()`). Required. */
  optimizer: Optimizer;
  /** Passes over the streams. @defaultValue 1 */
  epochs?: number;
  /** @defaultValue none */
  metrics?: readonly (Metric | MetricName)[];
  /** Seed of the dropout masks. @defaultValue the model's `spec.seed` */
  seed?: number;
  /**
   * A chunk whose loss or gradient norm is not finite: `error` (TRAINING_DIVERGED
   * before its update), `skip` (no update, and the carried state restarts from zeros) or `allow`.
   * @defaultValue 'error'
   */
  nonFinite?: NonFiniteAction;
  /** `onChunkEnd`, `onEpochEnd`; `stop()` ends after the current chunk or epoch. @defaultValue none */
  callbacks?: {
    /** After each chunk's update (or skip); `control.stop()` ends training after it. */
    onChunkEnd?(log: ChunkLog, control: { stop(): void }): void | Promise<void>;
    /** After each epoch, with its log (no validation fields); `control.stop()` ends training there. */
    onEpochEnd?(log: EpochLog, control: { stop(): void }): void | Promise<void>;
  };
}

/**
 * Truncated BPTT over long streams: each epoch walks the streams in chunks of `k` steps. The
 * forward of a chunk starts from the state the previous chunk ended in (a detached copy, so no
 * gradient flows past the chunk's start), one optimizer step follows each chunk, and the state
 * starts from zeros at each epoch. The model needs one unidirectional recurrent layer and
 * per-step outputs.
 */
export async function fitTruncated(model: Model, data: StreamData, o: TbpttOptions): Promise<History> {
  if (o === null || typeof o !== 'object' || typeof o.optimizer?.step !== 'function') {
    throw new RnnkitError('INVALID_ARGUMENT', `optimizer: expected an Optimizer (sgd, adam, adamw), got ${describe((o as TbpttOptions | null)?.optimizer)}`, {
      argument: 'optimizer',
    });
  }
  if (model === null || typeof model !== 'object' || typeof (model as Model).forward !== 'function')
    throw new RnnkitError('INVALID_ARGUMENT', `model: expected a Model, got ${describe(model)}`, { argument: 'model' });
  carriedRecurrent(model, 'truncated BPTT');
  checkTrainData(data, 'data');
  checkTokenInput(model, data.x, 'data');
  if (!perStepTargets(data.y) || data.y.shape[1] !== data.x.shape[1]) {
    throw new RnnkitError(
      'SHAPE_MISMATCH',
      `data.y: expected one target per step, shape [${data.x.shape[0]}, ${data.x.shape[1]}, …] like x, got ${describe(data.y.shape)}`,
      { argument: 'data.y' },
    );
  }
  const T = data.x.shape[1];
  if (!Number.isInteger(o.k) || o.k < 1)
    throw new RnnkitError('INVALID_ARGUMENT', `k: expected a positive integer (steps per chunk), got ${describe(o.k)}`, { argument: 'k' });
  const epochs = o.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 1)
    throw new RnnkitError('INVALID_ARGUMENT', `epochs: expected a positive integer, got ${describe(epochs)}`, { argument: 'epochs' });
  checkClipOptions(o);
  const nonFinite = checkNonFiniteAction(o.nonFinite);
  if (o.seed !== undefined && !Number.isSafeInteger(o.seed))
    throw new RnnkitError('INVALID_ARGUMENT', `seed: expected a (safe) integer, got ${describe(o.seed)}`, { argument: 'seed' });
  const loss = resolveLoss(o.loss);
  if (o.metrics !== undefined && !Array.isArray(o.metrics))
    throw new RnnkitError('INVALID_ARGUMENT', `metrics: expected an array of metrics, got ${describe(o.metrics)}`, { argument: 'metrics' });
  const metrics = (o.metrics ?? []).map((m, i) => resolveMetric(m, `metrics[${i}]`));
  checkModelsReady([model]);
  const release = lockModels([model], 'fitTruncated');
  try {
    return await truncatedLoop(model, data, o, { T, epochs, loss, metrics, nonFinite });
  } catch (e) {
    throw asRnnkitError(e, 'fitTruncated');
  } finally {
    release();
  }
}

async function truncatedLoop(
  model: Model,
  data: StreamData,
  o: TbpttOptions,
  c: { T: number; epochs: number; loss: ReturnType<typeof resolveLoss>; metrics: ReturnType<typeof resolveMetric>[]; nonFinite: NonFiniteAction },
): Promise<History> {
  const { T, epochs, loss, metrics } = c;
  const be = model.backend;
  const dropoutRng = new Rng((o.seed ?? model.spec.seed) ^ 0x7b77);
  let stop = false;
  const control = { stop: () => void (stop = true) };
  const history: History = { epochs: [], stoppedEarly: false, stopped: 'completed', steps: 0, skippedSteps: 0 };

  for (let epoch = 0; epoch < epochs && !stop; epoch++) {
    const t0 = performance.now();
    let state: CarriedState | undefined;
    let lossSum = 0;
    let weightSum = 0;
    const acc: Record<string, { total: number; count: number }> = {};
    try {
      for (let start = 0, chunk = 0; start < T && !stop; start += o.k, chunk++) {
        const len = Math.min(o.k, T - start);
        const batch = {
          x: sliceSteps(data.x as HostTensor | IdTensor, start, len) as HostTensor | TokenInput,
          y: sliceSteps(data.y, start, len),
          size: data.x.shape[0],
        };
        const { x, y, batchFirst } = toModelLayout(model, batch);
        const pass = model.forward(x, {
          ...(state ? { h0: state.h, ...(state.c ? { c0: state.c } : {}) } : {}),
          training: true,
          dropoutSeed: Math.floor(dropoutRng.uniform() * 0x7fffffff),
        });
        try {
          const lv = loss.compute(be, pass.output, y, { batchFirst });
          const grads = pass.backward({ dOutput: lv.grad }, { inputGrad: false });
          try {
            const group = gradientGroup(model, grads);
            const { norm } = await clipGradients(be, [group.grads], o);
            const lr = o.optimizer.lr();
            const l = (await be.read(lv.loss))[0];
            if (!(Number.isFinite(l) && Number.isFinite(norm))) {
              if (c.nonFinite === 'error') throw divergedError(`fitTruncated: epoch ${epoch}, chunk ${chunk} (steps ${start}..${start + len - 1})`, l, norm);
              if (c.nonFinite === 'skip') {
                history.steps++;
                history.skippedSteps++;
                disposeState(be, state);
                state = undefined;
                await o.callbacks?.onChunkEnd?.({ epoch, chunk, start, length: len, step: history.steps, loss: l, gradNorm: norm, lr, skipped: true }, control);
                continue;
              }
            }
            if (metrics.length) {
              const out = { data: await be.read(pass.output), shape: [...pass.output.shape] };
              for (const m of metrics) {
                const r = m.evaluate(out, y, { batchFirst });
                const a = (acc[m.name] ??= { total: 0, count: 0 });
                a.total += r.total;
                a.count += r.count;
              }
            }
            o.optimizer.step(group); // d loss / d h0 in grads.h0 is dropped: truncation
            history.steps++;
            lossSum += l * lv.weight;
            weightSum += lv.weight;
            const next = detachState(be, pass);
            disposeState(be, state);
            state = next;
            await o.callbacks?.onChunkEnd?.({ epoch, chunk, start, length: len, step: history.steps, loss: l, gradNorm: norm, lr, skipped: false }, control);
          } finally {
            grads.dispose();
            be.dispose(lv.loss);
            be.dispose(lv.grad);
          }
        } finally {
          pass.dispose();
        }
      }
    } finally {
      disposeState(be, state);
    }
    const log: EpochLog = {
      epoch,
      loss: weightSum > 0 ? lossSum / weightSum : NaN,
      metrics: Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, v.count ? v.total / v.count : NaN])),
      lr: o.optimizer.lr(),
      seconds: (performance.now() - t0) / 1000,
    };
    history.epochs.push(log);
    await o.callbacks?.onEpochEnd?.(log, control);
  }
  if (stop) history.stopped = 'callback';
  return history;
}
