import { checkObject, describe, RnnkitError } from '../errors.js';

/** Learning-rate multiplier at a 0-based optimizer step: lr_step = baseLr · schedule(step). */
export type LrSchedule = (step: number) => number;

function positiveInt(v: unknown, argument: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new RnnkitError('INVALID_ARGUMENT', `${argument}: expected a positive integer, got ${describe(v)}`, { argument });
  return v;
}

function inRange(v: unknown, lo: number, hi: number, argument: string): number {
  if (typeof v !== 'number' || !(v >= lo && v <= hi))
    throw new RnnkitError('INVALID_ARGUMENT', `${argument}: expected a number in [${lo}, ${hi}], got ${describe(v)}`, { argument });
  return v;
}

/** torch.optim.lr_scheduler.StepLR counted in optimizer steps: gamma^floor(step / stepSize). */
export function stepDecay(o: { stepSize: number; gamma?: number }): LrSchedule {
  checkObject(o, 'options', '{ stepSize, gamma? }');
  const stepSize = positiveInt(o.stepSize, 'stepSize');
  const gamma = inRange(o.gamma ?? 0.1, 0, 1, 'gamma');
  return (step) => gamma ** Math.floor(step / stepSize);
}

/**
 * Linear warm-up from 1/warmupSteps to 1 over `warmupSteps` steps, then a cosine from 1 down to
 * `minFactor` at `totalSteps`, flat after (the transformers `get_cosine_schedule_with_warmup`
 * shape with a floor).
 */
export function cosineWithWarmup(o: { warmupSteps?: number; totalSteps: number; minFactor?: number }): LrSchedule {
  checkObject(o, 'options', '{ totalSteps, warmupSteps?, minFactor? }');
  const total = positiveInt(o.totalSteps, 'totalSteps');
  const warm = o.warmupSteps ?? 0;
  if (!Number.isInteger(warm) || warm < 0 || warm >= total) {
    throw new RnnkitError('INVALID_ARGUMENT', `warmupSteps: expected an integer in 0..${total - 1} (below totalSteps), got ${describe(warm)}`, {
      argument: 'warmupSteps',
    });
  }
  const minFactor = inRange(o.minFactor ?? 0, 0, 1, 'minFactor');
  return (step) => {
    if (step < warm) return (step + 1) / warm;
    const progress = Math.min(1, (step - warm) / (total - warm));
    return minFactor + (1 - minFactor) * 0.5 * (1 + Math.cos(Math.PI * progress));
  };
}

/** A constant multiplier of 1. */
export const constantLr: LrSchedule = () => 1;
