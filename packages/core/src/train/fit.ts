import type { Backend } from '../backend/backend.js';
import { RnnkitError, describe } from '../errors.js';
import type { Model } from '../model/model.js';
import { Rng } from '../util/rng.js';
import type { TrainBatch, TrainData } from './batch.js';
import { batchesOf, checkTrainData, epochOrder, withIdTargets } from './batch.js';
import type { ClipOptions } from './clip.js';
import { checkClipOptions, clipGradients } from './clip.js';
import type { Loss, LossName } from './losses.js';
import type { Metric, MetricName } from './metrics.js';
import { resolveMetric } from './metrics.js';
import type { Objective, ObjectiveRun } from './objective.js';
import { resolveObjective } from './objective.js';
import type { Optimizer } from './optimizers.js';

export interface StepOptions extends ClipOptions {
  optimizer: Optimizer;
  /** Seed of this step's dropout masks. */
  dropoutSeed?: number;
  metrics?: readonly Metric[];
}

/** What one training step reports. */
export interface StepResult {
  loss: number;
  /** Global L2 norm of all gradients before clipping. */
  gradNorm: number;
  /** Learning rate this step used. */
  lr: number;
  /** Per-metric { total, count } for this batch. */
  metricParts: Record<string, { total: number; count: number }>;
  /** The loss's averaging weight (tokens, elements or sequences). */
  weight: number;
}

/**
 * One optimizer step: forward, loss, backward, clipping, update. Parameters change on the
 * backend; the loss and the gradient norm come back to the host (one read each).
 */
export async function trainStep(objective: Objective, batch: TrainBatch, o: StepOptions): Promise<StepResult> {
  const run = objective.run(batch, { training: true, ...(o.dropoutSeed !== undefined ? { dropoutSeed: o.dropoutSeed } : {}) });
  try {
    const be = objective.models[0].backend;
    const groups = run.grads ?? [];
    const { norm } = await clipGradients(be, groups.map((g) => g.grads), o);
    const lr = o.optimizer.lr();
    const loss = (await be.read(run.loss.loss))[0];
    const metricParts = await metricsOf(be, run, o.metrics ?? []);
    o.optimizer.step(groups);
    return { loss, gradNorm: norm, lr, metricParts, weight: run.loss.weight };
  } finally {
    run.dispose();
  }
}

async function metricsOf(be: Backend, run: ObjectiveRun, metrics: readonly Metric[]): Promise<Record<string, { total: number; count: number }>> {
  if (metrics.length === 0) return {};
  const out = { data: await be.read(run.output), shape: [...run.output.shape] };
  return Object.fromEntries(metrics.map((m) => [m.name, m.evaluate(out, run.target, run.ctx)]));
}

export interface EvaluateOptions {
  loss?: Loss | LossName;
  batchSize?: number;
  metrics?: readonly (Metric | MetricName)[];
}

export interface Evaluation {
  loss: number;
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
  const objective = resolveObjective(target, o.loss);
  const data = withIdTargets(dataIn);
  const N = checkTrainData(data, 'data');
  objective.checkData?.(data, 'data');
  const batchSize = o.batchSize ?? 64;
  checkPositiveInt(batchSize, 'batchSize');
  const metrics = (o.metrics ?? []).map((m, i) => resolveMetric(m, `metrics[${i}]`));
  const be = objective.models[0].backend;
  let lossSum = 0;
  let weightSum = 0;
  const parts: Record<string, { total: number; count: number }>[] = [];
  for (const batch of batchesOf(data, epochOrder(N), batchSize)) {
    const run = objective.run(batch, { training: false });
    try {
      const l = (await be.read(run.loss.loss))[0];
      lossSum += l * run.loss.weight;
      weightSum += run.loss.weight;
      parts.push(await metricsOf(be, run, metrics));
    } finally {
      run.dispose();
    }
  }
  return { loss: weightSum > 0 ? lossSum / weightSum : NaN, metrics: combine(parts) };
}

export interface StepLog {
  epoch: number;
  /** Batch index within the epoch. */
  batch: number;
  /** Optimizer steps taken so far, this one included. */
  step: number;
  loss: number;
  gradNorm: number;
  lr: number;
  metrics: Record<string, number>;
}

export interface EpochLog {
  epoch: number;
  /** Mean training loss over the epoch (weighted by each batch's loss weight). */
  loss: number;
  metrics: Record<string, number>;
  valLoss?: number;
  valMetrics?: Record<string, number>;
  /** Learning rate at the epoch's end. */
  lr: number;
  seconds: number;
}

/** Callbacks may be async; `stop()` ends training after the current step or epoch. */
export interface FitCallbacks {
  onStepEnd?(log: StepLog, control: { stop(): void }): void | Promise<void>;
  onEpochEnd?(log: EpochLog, control: { stop(): void }): void | Promise<void>;
}

export interface EarlyStopping {
  /** `valLoss` (default when there is validation data), `loss`, or `val_<metric>` / `<metric>`. */
  monitor?: string;
  /** Epochs without improvement before stopping. */
  patience: number;
  /** Smallest change that counts as improvement. Default 0. */
  minDelta?: number;
  /** `min` for losses (default), `max` for accuracies. Default: max when monitoring an accuracy. */
  mode?: 'min' | 'max';
  /** Put back the parameters of the best epoch when training ends. Default true. */
  restoreBest?: boolean;
}

export interface FitOptions extends ClipOptions {
  /** Required when training a Model (an Objective carries its own). */
  loss?: Loss | LossName;
  optimizer: Optimizer;
  epochs?: number;
  batchSize?: number;
  /** Reshuffle the samples every epoch (seeded). Default true. */
  shuffle?: boolean;
  /** Seed of the shuffles and the dropout masks. Default: the first model's seed. */
  seed?: number;
  validation?: TrainData;
  metrics?: readonly (Metric | MetricName)[];
  earlyStopping?: EarlyStopping;
  callbacks?: FitCallbacks;
}

export interface History {
  epochs: EpochLog[];
  /** Epoch (0-based) with the best monitored value, when early stopping watched one. */
  bestEpoch?: number;
  stoppedEarly: boolean;
  steps: number;
}

function checkPositiveInt(v: unknown, argument: string): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new RnnkitError('INVALID_ARGUMENT', `${argument}: expected a positive integer, got ${describe(v)}`, { argument });
}

/**
 * Trains for `epochs` passes over `data` in shuffled minibatches: forward, loss, backward,
 * clipping and an optimizer step per batch, then validation, early stopping and callbacks per
 * epoch. Deterministic for a given seed and backend.
 */
export async function fit(target: Model | Objective, dataIn: TrainData, o: FitOptions): Promise<History> {
  const objective = resolveObjective(target, o?.loss);
  const data = withIdTargets(dataIn);
  if (!o || typeof o.optimizer?.step !== 'function') throw new RnnkitError('INVALID_ARGUMENT', `optimizer: expected an Optimizer (sgd, adam, adamw), got ${describe(o?.optimizer)}`, { argument: 'optimizer' });
  const N = checkTrainData(data, 'data');
  const validation = o.validation ? withIdTargets(o.validation) : undefined;
  objective.checkData?.(data, 'data');
  if (validation) {
    checkTrainData(validation, 'validation');
    objective.checkData?.(validation, 'validation');
  }
  const epochs = o.epochs ?? 1;
  const batchSize = o.batchSize ?? 32;
  checkPositiveInt(epochs, 'epochs');
  checkPositiveInt(batchSize, 'batchSize');
  checkClipOptions(o);
  const metrics = (o.metrics ?? []).map((m, i) => resolveMetric(m, `metrics[${i}]`));
  const es = o.earlyStopping;
  const monitor = es?.monitor ?? (o.validation ? 'valLoss' : 'loss');
  if (es) {
    checkPositiveInt(es.patience, 'earlyStopping.patience');
    const known = ['loss', 'valLoss', ...metrics.map((m) => m.name), ...metrics.map((m) => `val_${m.name}`)];
    if (!known.includes(monitor) || (monitor.startsWith('val') && !o.validation)) {
      throw new RnnkitError('INVALID_ARGUMENT', `earlyStopping.monitor: expected one of ${known.filter((k) => o.validation || !k.startsWith('val')).join(', ')}, got ${describe(monitor)}`, { argument: 'earlyStopping.monitor' });
    }
  }
  const mode = es?.mode ?? (/acc/i.test(monitor) ? 'max' : 'min');
  const seed = o.seed ?? objective.models[0].spec.seed;
  const rng = new Rng(seed ^ 0x5f17);
  const dropoutRng = new Rng(seed ^ 0x0d70);
  let stop = false;
  const control = { stop: () => void (stop = true) };
  const history: History = { epochs: [], stoppedEarly: false, steps: 0 };
  let best = mode === 'min' ? Infinity : -Infinity;
  let bestState: Map<string, Float32Array>[] | undefined;
  let sinceBest = 0;

  for (let epoch = 0; epoch < epochs && !stop; epoch++) {
    const t0 = performance.now();
    let lossSum = 0;
    let weightSum = 0;
    const parts: Record<string, { total: number; count: number }>[] = [];
    const order = epochOrder(N, o.shuffle === false ? undefined : rng);
    let b = 0;
    for (const batch of batchesOf(data, order, batchSize)) {
      const r = await trainStep(objective, batch, {
        optimizer: o.optimizer,
        dropoutSeed: Math.floor(dropoutRng.uniform() * 0x7fffffff),
        metrics,
        ...(o.maxNorm !== undefined ? { maxNorm: o.maxNorm } : {}),
        ...(o.clipValue !== undefined ? { clipValue: o.clipValue } : {}),
      });
      history.steps++;
      lossSum += r.loss * r.weight;
      weightSum += r.weight;
      parts.push(r.metricParts);
      if (o.callbacks?.onStepEnd) {
        await o.callbacks.onStepEnd({ epoch, batch: b, step: history.steps, loss: r.loss, gradNorm: r.gradNorm, lr: r.lr, metrics: combine([r.metricParts]) }, control);
      }
      b++;
      if (stop) break;
    }
    const log: EpochLog = { epoch, loss: weightSum > 0 ? lossSum / weightSum : NaN, metrics: combine(parts), lr: o.optimizer.lr(), seconds: 0 };
    if (o.validation) {
      const v = await evaluate(objective, o.validation, { batchSize: Math.max(batchSize, 64), metrics });
      log.valLoss = v.loss;
      log.valMetrics = v.metrics;
    }
    log.seconds = (performance.now() - t0) / 1000;
    history.epochs.push(log);
    if (es) {
      const value = monitor === 'loss' ? log.loss : monitor === 'valLoss' ? log.valLoss! : monitor.startsWith('val_') ? log.valMetrics![monitor.slice(4)] : log.metrics[monitor];
      const delta = es.minDelta ?? 0;
      const improved = mode === 'min' ? value < best - delta : value > best + delta;
      if (improved) {
        best = value;
        history.bestEpoch = epoch;
        sinceBest = 0;
        if (es.restoreBest ?? true) bestState = await Promise.all(objective.models.map((m) => m.stateDict()));
      } else if (++sinceBest >= es.patience) {
        stop = true;
        history.stoppedEarly = true;
      }
    }
    if (o.callbacks?.onEpochEnd) await o.callbacks.onEpochEnd(log, control);
  }
  if (bestState && history.bestEpoch !== history.epochs.length - 1) objective.models.forEach((m, i) => m.loadStateDict(bestState![i]));
  return history;
}
