import type { Backend } from '../backend/backend.js';
import { asRnnkitError, describe, RnnkitError } from '../errors.js';
import type { Model } from '../model/model.js';
import { lockModels } from '../model/model.js';
import type { Tensor } from '../tensor.js';
import { Rng } from '../util/rng.js';
import type { TrainBatch, TrainData } from './batch.js';
import { batchesOf, checkTrainData, epochOrder, withIdTargets } from './batch.js';
import type { ClipOptions } from './clip.js';
import { checkClipOptions, clipCheckedGradients } from './clip.js';
import type { Loss, LossName } from './losses.js';
import type { Metric, MetricName } from './metrics.js';
import { resolveMetric } from './metrics.js';
import type { Objective, ObjectiveRun } from './objective.js';
import { checkModelsReady, resolveObjective } from './objective.js';
import type { Optimizer } from './optimizers.js';

/**
 * What a training step does when its loss or gradient norm is NaN or ±Infinity:
 * - `error` (default): stop with TRAINING_DIVERGED; the step is not applied, so the parameters
 *   and the optimizer state are as they were before it;
 * - `skip`: don't apply the step and go on (as mixed-precision loss scalers do); the step is
 *   reported with `skipped: true` and counted in `History.skippedSteps`;
 * - `allow`: apply it anyway (the behaviour before the guard).
 */
export type NonFiniteAction = 'error' | 'skip' | 'allow';
const NON_FINITE_ACTIONS: readonly NonFiniteAction[] = ['error', 'skip', 'allow'];

/** Checks a `nonFinite` option and returns it, `'error'` when undefined. @throws RnnkitError INVALID_ARGUMENT when it is not `'error'`, `'skip'` or `'allow'` */
export function checkNonFiniteAction(v: unknown): NonFiniteAction {
  if (v === undefined) return 'error';
  if (!NON_FINITE_ACTIONS.includes(v as NonFiniteAction))
    throw new RnnkitError('INVALID_ARGUMENT', `nonFinite: expected "error", "skip" or "allow", got ${describe(v)}`, { argument: 'nonFinite' });
  return v as NonFiniteAction;
}

export interface StepOptions extends ClipOptions {
  /** Updates the parameters from the gradients (`sgd()`, `adam()`, `adamw()`). Required. */
  optimizer: Optimizer;
  /** Seed of this step's dropout masks. @defaultValue a stream derived from the model's seed */
  dropoutSeed?: number;
  /** @defaultValue none */
  metrics?: readonly Metric[];
  /** A non-finite loss or gradient norm: `error`, `skip` or `allow` (see NonFiniteAction). @defaultValue 'error' */
  nonFinite?: NonFiniteAction;
}

/** What one training step reports. */
export interface StepResult {
  /** The batch's loss (the objective's reduction, e.g. mean over tokens), read back to the host. */
  loss: number;
  /** Global L2 norm of all gradients before clipping. */
  gradNorm: number;
  /** Learning rate this step used. */
  lr: number;
  /** Per-metric { total, count } for this batch, keyed by metric name; sum them over batches and divide for a mean. */
  metricParts: Record<
    string,
    {
      /** Sum of the metric over the counted rows or elements of this batch. */
      total: number;
      /** Rows or elements counted (padded steps and ignored targets left out). */
      count: number;
    }
  >;
  /** The loss's averaging weight (tokens, elements or sequences). */
  weight: number;
  /** True when the step was not applied: its loss or gradient norm was not finite and `nonFinite` was `skip`. */
  skipped: boolean;
}

/** The TRAINING_DIVERGED error: what was not finite, where, and what the caller can do. */
export function divergedError(where: string, loss: number, gradNorm: number): RnnkitError {
  return new RnnkitError(
    'TRAINING_DIVERGED',
    `${where}: expected a finite loss and gradient norm, got loss ${describe(loss)} and gradient norm ${describe(gradNorm)}; the step was not applied (parameters and optimizer state are as before it). ` +
      'Lower the learning rate, clip gradients (maxNorm), check the data for NaN, or pass nonFinite: "skip" to skip such steps',
    { argument: 'loss' },
  );
}

/**
 * One optimizer step: forward, loss, backward, clipping, update. Parameters change on the
 * backend; the loss and the gradient norm come back to the host (one read each). A non-finite
 * loss or gradient norm stops before the update (see `StepOptions.nonFinite`); on any error the
 * parameters and optimizer state are as before and nothing leaks.
 */
export async function trainStep(objective: Objective, batch: TrainBatch, o: StepOptions): Promise<StepResult> {
  if (!isObjectLike(objective) || typeof objective.run !== 'function' || !Array.isArray(objective.models)) {
    throw new RnnkitError('INVALID_ARGUMENT', `objective: expected an Objective (supervised(model, loss), a Seq2Seq), got ${describe(objective)}`, {
      argument: 'objective',
    });
  }
  if (!isObjectLike(o) || typeof o.optimizer?.step !== 'function')
    throw new RnnkitError('INVALID_ARGUMENT', `optimizer: expected an Optimizer (sgd, adam, adamw), got ${describe(o?.optimizer)}`, { argument: 'optimizer' });
  checkClipOptions(o);
  const nonFinite = checkNonFiniteAction(o.nonFinite);
  if (o.dropoutSeed !== undefined && !Number.isSafeInteger(o.dropoutSeed))
    throw new RnnkitError('INVALID_ARGUMENT', `dropoutSeed: expected a (safe) integer, got ${describe(o.dropoutSeed)}`, { argument: 'dropoutSeed' });
  checkModelsReady(objective.models);
  const release = lockModels(objective.models, 'trainStep');
  try {
    return await runTrainStep(objective, batch, o, nonFinite, 'trainStep');
  } finally {
    release();
  }
}

// biome-ignore lint/suspicious/noExplicitAny: a checked options object whose fields are each checked next
function isObjectLike(v: unknown): v is Record<string, any> {
  return v !== null && typeof v === 'object';
}

/** Where a step is, for its errors: a name, or fit's [epoch, batch, step] (formatted only when an error needs it). */
type StepWhere = string | readonly [epoch: number, batch: number, step: number];

function whereText(w: StepWhere): string {
  return typeof w === 'string' ? w : `fit: epoch ${w[0]}, batch ${w[1]} (step ${w[2]})`;
}

/**
 * trainStep without the argument checks and the lock (the callers did both; fit holds them for
 * the whole run). `where` names the step in errors. This is the per-step path: no option
 * spreads or re-validation here.
 */
async function runTrainStep(objective: Objective, batch: TrainBatch, o: StepOptions, nonFinite: NonFiniteAction, where: StepWhere): Promise<StepResult> {
  let run: ObjectiveRun;
  try {
    run = objective.run(batch, o.dropoutSeed !== undefined ? { training: true, dropoutSeed: o.dropoutSeed } : TRAINING);
  } catch (e) {
    throw asRnnkitError(e, whereText(where));
  }
  try {
    const be = objective.models[0].backend;
    const groups = run.grads ?? [];
    const maps: Map<string, Tensor>[] = [];
    for (const g of groups) maps.push(g.grads);
    const { norm } = await clipCheckedGradients(be, maps, o);
    const lr = o.optimizer.lr();
    const loss = (await be.read(run.loss.loss))[0];
    const ms = o.metrics ?? NO_METRICS;
    const metricParts = ms.length === 0 ? {} : await metricsOf(be, run, ms);
    const finite = Number.isFinite(loss) && Number.isFinite(norm);
    if (!finite && nonFinite === 'error') throw divergedError(whereText(where), loss, norm);
    if (!finite && nonFinite === 'skip') return { loss, gradNorm: norm, lr, metricParts, weight: run.loss.weight, skipped: true };
    o.optimizer.step(groups);
    return { loss, gradNorm: norm, lr, metricParts, weight: run.loss.weight, skipped: false };
  } catch (e) {
    throw asRnnkitError(e, whereText(where));
  } finally {
    run.dispose();
  }
}

const TRAINING = Object.freeze({ training: true });
const NO_METRICS: readonly Metric[] = Object.freeze([]);

async function metricsOf(be: Backend, run: ObjectiveRun, metrics: readonly Metric[]): Promise<Record<string, { total: number; count: number }>> {
  if (metrics.length === 0) return {};
  const out = { data: await be.read(run.output), shape: [...run.output.shape] };
  return Object.fromEntries(metrics.map((m) => [m.name, m.evaluate(out, run.target, run.ctx)]));
}

/** Options of `evaluate`. */
export interface EvaluateOptions {
  /** Required when evaluating a Model (an Objective carries its own). */
  loss?: Loss | LossName;
  /** Samples per forward pass; no gradients are kept, so larger than fit's 32 costs little. @defaultValue 64 */
  batchSize?: number;
  /** @defaultValue none */
  metrics?: readonly (Metric | MetricName)[];
}

/** What `evaluate` returns: figures over the whole data set. */
export interface Evaluation {
  /** Loss over the data set, each batch weighted by its loss weight (tokens, elements or sequences); NaN when nothing was counted. */
  loss: number;
  /** Each metric's value over the data set, keyed by metric name (total ÷ count; NaN when the count is 0). */
  metrics: Record<string, number>;
}

function combine(parts: Record<string, { total: number; count: number }>[]): Record<string, number> {
  const acc: Record<string, { total: number; count: number }> = {};
  for (const p of parts) {
    for (const [k, v] of Object.entries(p)) {
      const a = (acc[k] ??= { total: 0, count: 0 });
      a.total += v.total;
      a.count += v.count;
    }
  }
  return Object.fromEntries(Object.entries(acc).map(([k, v]) => [k, v.count > 0 ? v.total / v.count : NaN]));
}

/** Loss and metrics over a data set without training (dropout off), batch by batch. */
export async function evaluate(target: Model | Objective, dataIn: TrainData, o: EvaluateOptions = {}): Promise<Evaluation> {
  if (!isObjectLike(o))
    throw new RnnkitError('INVALID_ARGUMENT', `options: expected { loss, batchSize, metrics }, got ${describe(o)}`, { argument: 'options' });
  const objective = resolveObjective(target, o.loss);
  const N = checkTrainData(dataIn, 'data');
  const data = withIdTargets(dataIn);
  objective.checkData?.(data, 'data');
  const batchSize = o.batchSize ?? 64;
  checkPositiveInt(batchSize, 'batchSize');
  const metrics = checkMetrics(o.metrics);
  checkModelsReady(objective.models);
  const be = objective.models[0].backend;
  let lossSum = 0;
  let weightSum = 0;
  const parts: Record<string, { total: number; count: number }>[] = [];
  for (const batch of batchesOf(data, epochOrder(N), batchSize)) {
    let run: ObjectiveRun;
    try {
      run = objective.run(batch, { training: false });
    } catch (e) {
      throw asRnnkitError(e, 'evaluate');
    }
    try {
      const l = (await be.read(run.loss.loss))[0];
      lossSum += l * run.loss.weight;
      weightSum += run.loss.weight;
      parts.push(await metricsOf(be, run, metrics));
    } catch (e) {
      throw asRnnkitError(e, 'evaluate');
    } finally {
      run.dispose();
    }
  }
  return { loss: weightSum > 0 ? lossSum / weightSum : NaN, metrics: combine(parts) };
}

/** What `FitCallbacks.onStepEnd` receives after each training step. */
export interface StepLog {
  /** Epoch of this step (0-based). */
  epoch: number;
  /** Batch index within the epoch. */
  batch: number;
  /** Optimizer steps taken so far, this one included. */
  step: number;
  /** This batch's training loss. */
  loss: number;
  /** Global L2 norm of all gradients before clipping. */
  gradNorm: number;
  /** Learning rate this step used. */
  lr: number;
  /** This batch's metric values, keyed by metric name. */
  metrics: Record<string, number>;
  /** The step was not applied (non-finite loss or gradient norm with `nonFinite: 'skip'`). */
  skipped: boolean;
}

/** What `FitCallbacks.onEpochEnd` receives and `History.epochs` holds, one per epoch. */
export interface EpochLog {
  /** Epoch index (0-based). */
  epoch: number;
  /** Mean training loss over the epoch (weighted by each batch's loss weight). */
  loss: number;
  /** Training metrics over the epoch's applied steps, keyed by metric name. */
  metrics: Record<string, number>;
  /** Loss on `FitOptions.validation` after the epoch; absent without validation data. */
  valLoss?: number;
  /** Metrics on `FitOptions.validation` after the epoch; absent without validation data. */
  valMetrics?: Record<string, number>;
  /** Learning rate at the epoch's end. */
  lr: number;
  /** Wall-clock seconds of the epoch, validation included. */
  seconds: number;
}

/** Where a `fit` run is, after each step: what a progress bar shows. */
export interface FitProgress {
  /** Optimizer steps run so far, this one included (1-based). */
  step: number;
  /** Steps of the whole run: epochs × batches per epoch (early stopping or an abort may end it sooner). */
  totalSteps: number;
  /** Epoch of this step (0-based). */
  epoch: number;
  /** Epochs of the whole run. */
  epochs: number;
  /** Batch of this step within its epoch (0-based). */
  batch: number;
  /** Batches per epoch: ceil(N / batchSize). */
  batchesPerEpoch: number;
  /** This step's training loss. */
  loss: number;
  /** Seconds since the first step began. */
  elapsedSeconds: number;
  /**
   * Estimated seconds to the end of the run: the mean time per step so far × the steps left
   * (validation counted in the mean once an epoch has run it). 0 after the last step.
   */
  etaSeconds: number;
}

/** Callbacks may be async (fit awaits them); `stop()` ends training after the current step or epoch. */
export interface FitCallbacks {
  /** After every step (skipped ones included), with that step's log; `control.stop()` ends training after it. */
  onStepEnd?(log: StepLog, control: { stop(): void }): void | Promise<void>;
  /** After every epoch and its validation, with the epoch's log; `control.stop()` ends training there. */
  onEpochEnd?(log: EpochLog, control: { stop(): void }): void | Promise<void>;
  /** After every step, with the step count, total, epoch, loss and ETA (see `FitProgress`): drive a progress bar with it. */
  onProgress?(progress: FitProgress): void | Promise<void>;
}

/** Stops `fit` when a monitored loss or metric has not improved for `patience` epochs. */
export interface EarlyStopping {
  /** `valLoss`, `loss`, or `val_<metric>` / `<metric>`. @defaultValue `valLoss` with validation data, else `loss` */
  monitor?: string;
  /** Epochs without improvement before stopping. */
  patience: number;
  /** Smallest change that counts as improvement. @defaultValue 0 */
  minDelta?: number;
  /** `min` for losses, `max` for accuracies. @defaultValue `max` when the monitored name contains "acc", else `min` */
  mode?: 'min' | 'max';
  /** Put back the parameters of the best epoch when training ends. @defaultValue true */
  restoreBest?: boolean;
}

/**
 * Options of `fit`. `maxNorm` and `clipValue` (from `ClipOptions`) default to no clipping.
 */
export interface FitOptions extends ClipOptions {
  /** Required when training a Model (an Objective carries its own). */
  loss?: Loss | LossName;
  /** The optimizer, e.g. `adam()` (lr 1e-3) or `sgd({ lr: 0.1 })`. Required. */
  optimizer: Optimizer;
  /** Passes over the data. @defaultValue 1 */
  epochs?: number;
  /** Samples per step (the last batch of an epoch may be smaller). @defaultValue 32 */
  batchSize?: number;
  /** Reshuffle the samples every epoch (seeded). @defaultValue true */
  shuffle?: boolean;
  /** Seed of the shuffles and the dropout masks. @defaultValue the first model's `spec.seed` */
  seed?: number;
  /** Data evaluated after every epoch (`valLoss`, `valMetrics`), in batches of max(batchSize, 64). @defaultValue none */
  validation?: TrainData;
  /** Metrics reported per step and epoch. @defaultValue none */
  metrics?: readonly (Metric | MetricName)[];
  /** Stop when the monitored value stops improving. @defaultValue none (run every epoch) */
  earlyStopping?: EarlyStopping;
  /** `onStepEnd`, `onEpochEnd`, `onProgress`. @defaultValue none */
  callbacks?: FitCallbacks;
  /**
   * Stops training between steps when aborted (`AbortController.abort()`). The rule: the step
   * running when it fires finishes whole (its update applied, so the model and the optimizer
   * state agree), no later step starts, the unfinished epoch is not validated or logged, and
   * `fit` resolves — it does not reject — with `History.stopped` `'aborted'` and the steps run
   * so far (a signal aborted before the call runs no step). `earlyStopping.restoreBest` still
   * applies.
   * @defaultValue none
   */
  signal?: AbortSignal;
  /** A non-finite loss or gradient norm: `error` (TRAINING_DIVERGED), `skip` or `allow` (see NonFiniteAction). @defaultValue 'error' */
  nonFinite?: NonFiniteAction;
}

/** Why `fit` ended: every epoch ran, early stopping, a callback's `stop()`, or the `signal`. */
export type FitStopReason = 'completed' | 'earlyStopping' | 'callback' | 'aborted';

/** What `fit` returns: the per-epoch logs and why the run ended. */
export interface History {
  /** One log per completed epoch, in order. */
  epochs: EpochLog[];
  /** Epoch (0-based) with the best monitored value, when early stopping watched one. */
  bestEpoch?: number;
  /** Early stopping ended the run (`stopped === 'earlyStopping'`). */
  stoppedEarly: boolean;
  /** Why the run ended. */
  stopped: FitStopReason;
  /** Training steps run, skipped ones included. */
  steps: number;
  /** Steps not applied because their loss or gradient norm was not finite (`nonFinite: 'skip'`). */
  skippedSteps: number;
}

function checkPositiveInt(v: unknown, argument: string): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new RnnkitError('INVALID_ARGUMENT', `${argument}: expected a positive integer, got ${describe(v)}`, { argument });
}

function checkMetrics(metrics: unknown): Metric[] {
  if (metrics === undefined) return [];
  if (!Array.isArray(metrics))
    throw new RnnkitError('INVALID_ARGUMENT', `metrics: expected an array of metrics ("accuracy", "mae" or Metric objects), got ${describe(metrics)}`, {
      argument: 'metrics',
    });
  return metrics.map((m, i) => resolveMetric(m, `metrics[${i}]`));
}

function checkBoolean(v: unknown, argument: string): void {
  if (v !== undefined && typeof v !== 'boolean') throw new RnnkitError('INVALID_ARGUMENT', `${argument}: expected a boolean, got ${describe(v)}`, { argument });
}

/** Every fit option checked for type, range and finiteness, before anything runs. */
function checkFitOptions(o: FitOptions): void {
  const epochs = o.epochs ?? 1;
  checkPositiveInt(epochs, 'epochs');
  checkPositiveInt(o.batchSize ?? 32, 'batchSize');
  checkClipOptions(o);
  checkBoolean(o.shuffle, 'shuffle');
  if (o.seed !== undefined && !(typeof o.seed === 'number' && Number.isSafeInteger(o.seed)))
    throw new RnnkitError('INVALID_ARGUMENT', `seed: expected a (safe) integer, got ${describe(o.seed)}`, { argument: 'seed' });
  const cb = o.callbacks as unknown;
  if (cb !== undefined) {
    if (!isObjectLike(cb))
      throw new RnnkitError('INVALID_ARGUMENT', `callbacks: expected { onStepEnd?, onEpochEnd?, onProgress? }, got ${describe(cb)}`, {
        argument: 'callbacks',
      });
    for (const k of ['onStepEnd', 'onEpochEnd', 'onProgress'] as const) {
      if (cb[k] !== undefined && typeof cb[k] !== 'function')
        throw new RnnkitError('INVALID_ARGUMENT', `callbacks.${k}: expected a function, got ${describe(cb[k])}`, { argument: `callbacks.${k}` });
    }
  }
  const signal = o.signal as unknown;
  if (signal !== undefined && !(isObjectLike(signal) && typeof signal.aborted === 'boolean' && typeof signal.addEventListener === 'function')) {
    throw new RnnkitError('INVALID_ARGUMENT', `signal: expected an AbortSignal (new AbortController().signal), got ${describe(signal)}`, {
      argument: 'signal',
    });
  }
  const es = o.earlyStopping as unknown;
  if (es !== undefined) {
    if (!isObjectLike(es))
      throw new RnnkitError('INVALID_ARGUMENT', `earlyStopping: expected { patience, monitor?, minDelta?, mode?, restoreBest? }, got ${describe(es)}`, {
        argument: 'earlyStopping',
      });
    checkPositiveInt(es.patience, 'earlyStopping.patience');
    if (es.minDelta !== undefined && !(typeof es.minDelta === 'number' && es.minDelta >= 0 && Number.isFinite(es.minDelta))) {
      throw new RnnkitError('INVALID_ARGUMENT', `earlyStopping.minDelta: expected a finite number ≥ 0, got ${describe(es.minDelta)}`, {
        argument: 'earlyStopping.minDelta',
      });
    }
    if (es.mode !== undefined && es.mode !== 'min' && es.mode !== 'max')
      throw new RnnkitError('INVALID_ARGUMENT', `earlyStopping.mode: expected "min" or "max", got ${describe(es.mode)}`, { argument: 'earlyStopping.mode' });
    checkBoolean(es.restoreBest, 'earlyStopping.restoreBest');
    if (es.monitor !== undefined && typeof es.monitor !== 'string')
      throw new RnnkitError('INVALID_ARGUMENT', `earlyStopping.monitor: expected a string, got ${describe(es.monitor)}`, { argument: 'earlyStopping.monitor' });
  }
}

/**
 * Trains for `epochs` passes over `data` in shuffled minibatches: forward, loss, backward,
 * clipping and an optimizer step per batch, then validation, early stopping and callbacks per
 * epoch. Deterministic for a given seed and backend.
 *
 * Every argument — the data, the validation data, every option — is checked before the first
 * step, so a bad call changes nothing. Each step is applied whole or not at all; a non-finite
 * loss or gradient norm stops training with TRAINING_DIVERGED before that step is applied
 * (`nonFinite` chooses otherwise). A model can be in one training call at a time (BUSY).
 */
export async function fit(target: Model | Objective, dataIn: TrainData, o: FitOptions): Promise<History> {
  if (!isObjectLike(o) || typeof o.optimizer?.step !== 'function')
    throw new RnnkitError('INVALID_ARGUMENT', `optimizer: expected an Optimizer (sgd, adam, adamw), got ${describe(o?.optimizer)}`, { argument: 'optimizer' });
  const objective = resolveObjective(target, o.loss);
  const N = checkTrainData(dataIn, 'data');
  const data = withIdTargets(dataIn);
  if (o.validation !== undefined) checkTrainData(o.validation, 'validation');
  const validation = o.validation !== undefined ? withIdTargets(o.validation) : undefined;
  objective.checkData?.(data, 'data');
  if (validation) objective.checkData?.(validation, 'validation');
  checkFitOptions(o);
  const nonFinite = checkNonFiniteAction(o.nonFinite);
  const epochs = o.epochs ?? 1;
  const batchSize = o.batchSize ?? 32;
  const metrics = checkMetrics(o.metrics);
  const es = o.earlyStopping;
  const monitor = es?.monitor ?? (validation ? 'valLoss' : 'loss');
  if (es) {
    const known = ['loss', 'valLoss', ...metrics.map((m) => m.name), ...metrics.map((m) => `val_${m.name}`)];
    if (!known.includes(monitor) || (monitor.startsWith('val') && !validation)) {
      throw new RnnkitError(
        'INVALID_ARGUMENT',
        `earlyStopping.monitor: expected one of ${known.filter((k) => validation || !k.startsWith('val')).join(', ')}, got ${describe(monitor)}`,
        { argument: 'earlyStopping.monitor' },
      );
    }
  }
  checkModelsReady(objective.models);
  const release = lockModels(objective.models, 'fit');
  try {
    return await fitLoop(objective, data, validation, N, o, { nonFinite, epochs, batchSize, metrics, monitor });
  } finally {
    release();
  }
}

async function fitLoop(
  objective: Objective,
  data: TrainData,
  validation: TrainData | undefined,
  N: number,
  o: FitOptions,
  c: { nonFinite: NonFiniteAction; epochs: number; batchSize: number; metrics: Metric[]; monitor: string },
): Promise<History> {
  const { epochs, batchSize, metrics, monitor } = c;
  const es = o.earlyStopping;
  const mode = es?.mode ?? (/acc/i.test(monitor) ? 'max' : 'min');
  const seed = o.seed ?? objective.models[0].spec.seed;
  const rng = new Rng(seed ^ 0x5f17);
  const dropoutRng = new Rng(seed ^ 0x0d70);
  let stop = false;
  const control = { stop: () => void (stop = true) };
  const history: History = { epochs: [], stoppedEarly: false, stopped: 'completed', steps: 0, skippedSteps: 0 };
  const batchesPerEpoch = Math.ceil(N / batchSize);
  const totalSteps = epochs * batchesPerEpoch;
  const signal = o.signal;
  const onProgress = o.callbacks?.onProgress;
  let started: number | undefined;
  let aborted = false;
  let best = mode === 'min' ? Infinity : -Infinity;
  let bestState: Map<string, Float32Array>[] | undefined;
  let sinceBest = 0;

  for (let epoch = 0; epoch < epochs && !stop; epoch++) {
    if (signal?.aborted) {
      aborted = true;
      break;
    }
    const t0 = performance.now();
    started ??= t0;
    let lossSum = 0;
    let weightSum = 0;
    const parts: Record<string, { total: number; count: number }>[] = [];
    const order = epochOrder(N, o.shuffle === false ? undefined : rng);
    let b = 0;
    for (const batch of batchesOf(data, order, batchSize)) {
      if (signal?.aborted) {
        aborted = true;
        break;
      }
      const r = await runTrainStep(
        objective,
        batch,
        { optimizer: o.optimizer, dropoutSeed: Math.floor(dropoutRng.uniform() * 0x7fffffff), metrics, maxNorm: o.maxNorm, clipValue: o.clipValue },
        c.nonFinite,
        [epoch, b, history.steps + 1],
      );
      history.steps++;
      if (r.skipped) history.skippedSteps++;
      else {
        lossSum += r.loss * r.weight;
        weightSum += r.weight;
        parts.push(r.metricParts);
      }
      if (o.callbacks?.onStepEnd) {
        await o.callbacks.onStepEnd(
          { epoch, batch: b, step: history.steps, loss: r.loss, gradNorm: r.gradNorm, lr: r.lr, metrics: combine([r.metricParts]), skipped: r.skipped },
          control,
        );
      }
      if (onProgress) {
        const elapsedSeconds = (performance.now() - started) / 1000;
        const s = history.steps;
        await onProgress({
          step: s,
          totalSteps,
          epoch,
          epochs,
          batch: b,
          batchesPerEpoch,
          loss: r.loss,
          elapsedSeconds,
          etaSeconds: (elapsedSeconds / s) * (totalSteps - s),
        });
      }
      b++;
      if (stop) break;
    }
    if (aborted) break;
    const log: EpochLog = { epoch, loss: weightSum > 0 ? lossSum / weightSum : NaN, metrics: combine(parts), lr: o.optimizer.lr(), seconds: 0 };
    if (validation) {
      const v = await evaluate(objective, validation, { batchSize: Math.max(batchSize, 64), metrics });
      log.valLoss = v.loss;
      log.valMetrics = v.metrics;
    }
    log.seconds = (performance.now() - t0) / 1000;
    history.epochs.push(log);
    if (es) {
      const value =
        monitor === 'loss'
          ? log.loss
          : monitor === 'valLoss'
            ? log.valLoss!
            : monitor.startsWith('val_')
              ? log.valMetrics![monitor.slice(4)]
              : log.metrics[monitor];
      const delta = es.minDelta ?? 0;
      // NaN (a diverged epoch, or no finite step in it) is never an improvement.
      const improved = Number.isFinite(value) && (mode === 'min' ? value < best - delta : value > best + delta);
      if (improved) {
        best = value;
        history.bestEpoch = epoch;
        sinceBest = 0;
        if (es.restoreBest ?? true) bestState = await Promise.all(objective.models.map((m) => m.stateDict()));
      } else if (++sinceBest >= es.patience) {
        stop = true;
        history.stoppedEarly = true;
        history.stopped = 'earlyStopping';
      }
    }
    if (o.callbacks?.onEpochEnd) await o.callbacks.onEpochEnd(log, control);
  }
  if (aborted) history.stopped = 'aborted';
  else if (stop && !history.stoppedEarly) history.stopped = 'callback';
  if (bestState && history.bestEpoch !== history.epochs.length - 1) {
    for (const [i, m] of objective.models.entries()) restoreState(m, bestState[i]);
  }
  return history;
}

/** Puts back a snapshot while fit holds the models' lock (loadStateDict would see them busy). */
function restoreState(m: Model, state: Map<string, Float32Array>): void {
  const be = m.backend;
  const next = new Map<string, Tensor>();
  try {
    for (const p of m.parameterInfo()) next.set(p.name, be.upload(state.get(p.name)!, p.shape));
  } catch (e) {
    for (const t of next.values()) be.dispose(t);
    throw asRnnkitError(e, 'earlyStopping.restoreBest');
  }
  m.replaceParameters(next);
}
