import { checkObject, describe, RnnkitError } from '../errors.js';
import type { HostTensor } from '../tensor.js';
import { rowsCols } from '../tensor.js';
import type { Targets } from './batch.js';
import { isIdTensor } from './batch.js';
import type { LossContext } from './losses.js';
import { stepRowMask } from './losses.js';

/**
 * A metric over host copies of the output and the targets. It returns a sum and a count so
 * batches combine exactly: the epoch's value is Σ total / Σ count.
 */
export interface Metric {
  /** Its key in `StepLog.metrics` / `EpochLog.metrics` (`val_<name>` for validation). */
  readonly name: string;
  /** The batch's sum and how many rows it counted; the epoch's value is Σ total / Σ count. */
  evaluate(
    output: HostTensor,
    target: Targets,
    ctx: LossContext,
  ): {
    /** Sum of the metric over the counted rows or elements (e.g. correct rows, absolute errors). */
    total: number;
    /** Rows or elements counted (padded steps and ignored targets left out). */
    count: number;
  };
}

/** A built-in metric by name: `accuracy` (arg-max equals the class id) or `mae` (mean absolute error). */
export type MetricName = 'accuracy' | 'mae';

/**
 * Fraction of counted rows whose arg-max over the last axis equals the target class: per
 * sequence for `[B, C]` outputs, per valid step for `[B, T, C]`. Padded steps and targets equal
 * to `ignoreIndex` are not counted.
 */
export function accuracy(o: { ignoreIndex?: number } = {}): Metric {
  checkObject(o, 'options', '{ ignoreIndex }');
  if (o.ignoreIndex !== undefined && !Number.isInteger(o.ignoreIndex))
    throw new RnnkitError('INVALID_ARGUMENT', `ignoreIndex: expected an integer, got ${describe(o.ignoreIndex)}`, { argument: 'ignoreIndex' });
  const ignore = o.ignoreIndex ?? -100;
  return {
    name: 'accuracy',
    evaluate(output, target, ctx) {
      if (!isIdTensor(target))
        throw new RnnkitError('INVALID_ARGUMENT', `target: expected class ids for the accuracy metric, got ${describe(target)}`, { argument: 'target' });
      const [rows, C] = rowsCols(output.shape);
      const mask = stepRowMask(output.shape, ctx);
      let total = 0;
      let count = 0;
      for (let r = 0; r < rows; r++) {
        const want = target.ids[r];
        if ((mask && mask[r] === 0) || want === ignore) continue;
        let best = 0;
        for (let c = 1; c < C; c++) if (output.data[r * C + c] > output.data[r * C + best]) best = c;
        count++;
        if (best === want) total++;
      }
      return { total, count };
    },
  };
}

/** Mean absolute error over valid elements (padded steps left out). */
export function meanAbsoluteError(): Metric {
  return {
    name: 'mae',
    evaluate(output, target, ctx) {
      if (isIdTensor(target))
        throw new RnnkitError('INVALID_ARGUMENT', `target: expected float targets for the mae metric, got class ids`, { argument: 'target' });
      const [rows, cols] = rowsCols(output.shape);
      const mask = stepRowMask(output.shape, ctx);
      let total = 0;
      let count = 0;
      for (let r = 0; r < rows; r++) {
        if (mask && mask[r] === 0) continue;
        for (let c = 0; c < cols; c++) total += Math.abs(output.data[r * cols + c] - target.data[r * cols + c]);
        count += cols;
      }
      return { total, count };
    },
  };
}

/**
 * A metric from its name (`accuracy`, `mae`) or a Metric object passed through unchanged.
 * `argument` names the option in the error.
 * @throws RnnkitError INVALID_ARGUMENT for anything else
 */
export function resolveMetric(m: Metric | MetricName, argument: string): Metric {
  if (m === 'accuracy') return accuracy();
  if (m === 'mae') return meanAbsoluteError();
  if (m && typeof m === 'object' && typeof m.evaluate === 'function' && typeof m.name === 'string') return m;
  throw new RnnkitError('INVALID_ARGUMENT', `${argument}: expected "accuracy", "mae" or a Metric object, got ${describe(m)}`, { argument });
}
