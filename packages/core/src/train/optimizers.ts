import type { Backend } from '../backend/backend.js';
import { asRnnkitError, describe, RnnkitError } from '../errors.js';
import type { Model } from '../model/model.js';
import type { Tensor } from '../tensor.js';
import { formatShape, shapeEquals } from '../tensor.js';
import type { LrSchedule } from './schedules.js';

/** Gradients of one model's parameters, by parameter name (as `Gradients.params`). */
export interface GradientGroup {
  /** The model whose parameters the gradients belong to. */
  model: Model;
  /** Gradient per parameter name, each shaped like its parameter and on the model's backend. */
  grads: ReadonlyMap<string, Tensor>;
}

/**
 * An optimizer updates parameters on the model's backend: each step makes new parameter
 * tensors with the backend's fused update (or core's composite one) and hands them to
 * `Model.replaceParameters`. Per-parameter state (momentum, Adam moments) stays on the backend.
 * One optimizer may drive several models (an encoder and a decoder) in one step.
 */
export interface Optimizer {
  /** Which algorithm this is. */
  readonly name: 'sgd' | 'adam' | 'adamw';
  /** The learning rate before the schedule (the `lr` option or its default). */
  readonly baseLr: number;
  /** Steps taken so far. */
  readonly stepCount: number;
  /** The learning rate the next step will use (base lr times the schedule). */
  lr(): number;
  /** One update of every parameter that has a gradient in `groups`. Gradients are not consumed. */
  step(groups: GradientGroup | readonly GradientGroup[]): void;
  /** Drops the per-parameter state and the step count. */
  reset(): void;
  /** Frees the state on the backend. */
  dispose(): void;
}

interface BaseOptions {
  /** Learning rate (the schedule multiplies it). Defaults: see `sgd`, `adam`, `adamw`. */
  lr?: number;
  /** L2 penalty added to the gradient (`sgd`, `adam`) or decoupled decay (`adamw`). @defaultValue 0 (`adamw`: 0.01) */
  weightDecay?: number;
  /** Multiplier of `lr` per step (see `stepDecay`, `cosineWithWarmup`). @defaultValue constant 1 */
  schedule?: LrSchedule;
}

/** Options of `sgd()`: torch.optim.SGD's, with an optional schedule; `sgd()` throws INVALID_ARGUMENT for a value out of range. */
export interface SgdOptions extends BaseOptions {
  /**
   * @defaultValue 0.01 — Keras' `SGD(learning_rate=0.01)`. PyTorch 1.13's `torch.optim.SGD` has
   * no default (lr is required); later PyTorch releases default it to 1e-3.
   */
  lr?: number;
  /** Momentum factor. @defaultValue 0 */
  momentum?: number;
  /** Dampening of the momentum. @defaultValue 0 */
  dampening?: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). @defaultValue false */
  nesterov?: boolean;
}

/** Options of `adam()` and `adamw()`: torch.optim.Adam/AdamW's, with an optional schedule; they throw INVALID_ARGUMENT for a value out of range. */
export interface AdamOptions extends BaseOptions {
  /** @defaultValue 1e-3 — both `torch.optim.Adam`/`AdamW` and Keras' `Adam`/`AdamW` */
  lr?: number;
  /** Decay rates of the first and second moment estimates. @defaultValue [0.9, 0.999] */
  betas?: readonly [number, number];
  /** Added to the denominator for stability. @defaultValue 1e-8 (PyTorch's; Keras uses 1e-7) */
  eps?: number;
}

/** The default learning rates (sources on `SgdOptions.lr` and `AdamOptions.lr`). */
export const DEFAULT_LR: Readonly<{
  /** `sgd()`'s learning rate: Keras' default (PyTorch 1.13's SGD has none). */
  sgd: number;
  /** `adam()`'s learning rate: PyTorch's and Keras' default. */
  adam: number;
  /** `adamw()`'s learning rate: PyTorch's default. */
  adamw: number;
}> = Object.freeze({ sgd: 0.01, adam: 1e-3, adamw: 1e-3 });

function check(cond: boolean, argument: string, expected: string, actual: unknown): void {
  if (!cond) throw new RnnkitError('INVALID_ARGUMENT', `${argument}: expected ${expected}, got ${describe(actual)}`, { argument });
}

/** Checks the shared options; returns the learning rate (`defaultLr` when not given). */
function checkBase(o: BaseOptions, defaultLr: number): number {
  check(o !== null && typeof o === 'object', 'options', 'an options object ({ lr, … })', o);
  const lr = o.lr ?? defaultLr;
  check(typeof lr === 'number' && lr > 0 && Number.isFinite(lr), 'lr', 'a positive finite number', o.lr);
  check(
    o.weightDecay === undefined || (typeof o.weightDecay === 'number' && o.weightDecay >= 0 && Number.isFinite(o.weightDecay)),
    'weightDecay',
    'a number ≥ 0',
    o.weightDecay,
  );
  check(o.schedule === undefined || typeof o.schedule === 'function', 'schedule', 'a function of the step', o.schedule);
  return lr;
}

type Slot = Record<string, Tensor | undefined>;

/** One model's optimizer state: the backend it lives on (kept, so it can be freed after the model is gone) and a slot per parameter. */
interface ModelState {
  be: Backend;
  slots: Map<string, Slot>;
}

function disposeQuietly(be: Backend, t: Tensor | undefined): void {
  if (!t) return;
  try {
    be.dispose(t);
  } catch {
    // a destroyed backend released it already
  }
}

abstract class BaseOptimizer implements Optimizer {
  abstract readonly name: 'sgd' | 'adam' | 'adamw';
  private state = new Map<Model, ModelState>();
  private steps = 0;
  constructor(
    readonly baseLr: number,
    private readonly schedule: LrSchedule | undefined,
  ) {}

  get stepCount(): number {
    return this.steps;
  }

  lr(): number {
    const f = this.schedule ? this.schedule(this.steps) : 1;
    if (!(typeof f === 'number' && f >= 0 && Number.isFinite(f))) {
      throw new RnnkitError('INVALID_ARGUMENT', `schedule: expected a finite multiplier ≥ 0 at step ${this.steps}, got ${describe(f)}`, {
        argument: 'schedule',
      });
    }
    return this.baseLr * f;
  }

  /**
   * Updates one parameter without changing anything: returns the new parameter and the new
   * slot (new tensors only; `slot`'s tensors stay as they are), plus temporaries to release.
   */
  protected abstract update(
    be: Backend,
    param: Tensor,
    grad: Tensor,
    slot: Readonly<Slot>,
    lr: number,
    step: number,
  ): { param: Tensor; slot: Slot; temps: Tensor[] };

  /**
   * One update of every parameter in `groups`, all or nothing: every new parameter and state
   * tensor is made first; only when all succeeded are they swapped in (and the old ones freed).
   * On any error the parameters, the optimizer state and the step count are as before and
   * nothing is left allocated.
   */
  step(groups: GradientGroup | readonly GradientGroup[]): void {
    const list: readonly GradientGroup[] = Array.isArray(groups) ? groups : [groups as GradientGroup];
    // Check everything first so a bad call changes nothing.
    for (let gi = 0; gi < list.length; gi++) {
      const g = list[gi];
      if (
        g === null ||
        typeof g !== 'object' ||
        !(g.grads instanceof Map) ||
        g.model === null ||
        typeof g.model !== 'object' ||
        typeof g.model.parameters !== 'function'
      ) {
        throw new RnnkitError('INVALID_ARGUMENT', `groups[${gi}]: expected { model, grads: Map of parameter name → gradient }, got ${describe(g)}`, {
          argument: `groups[${gi}]`,
        });
      }
      const params = g.model.parameters();
      for (const [name, grad] of g.grads) {
        const p = params.get(name);
        if (!p)
          throw new RnnkitError(
            'INVALID_ARGUMENT',
            `groups[${gi}].grads: ${describe(name)} is not a parameter of the model (expected one of ${[...params.keys()].join(', ')})`,
            { argument: `groups[${gi}].grads` },
          );
        if (grad === null || typeof grad !== 'object' || !Array.isArray(grad.shape) || !shapeEquals(p.shape, grad.shape)) {
          throw new RnnkitError(
            'SHAPE_MISMATCH',
            `groups[${gi}].grads.${name}: expected shape ${formatShape(p.shape)} (the parameter's), got ${grad && Array.isArray(grad.shape) ? formatShape(grad.shape) : describe(grad)}`,
            { argument: `groups[${gi}].grads.${name}` },
          );
        }
        if (grad.backend !== p.backend) {
          throw new RnnkitError('BACKEND_MISMATCH', `groups[${gi}].grads.${name}: expected a tensor on backend "${p.backend}", got one on "${grad.backend}"`, {
            argument: `groups[${gi}].grads.${name}`,
          });
        }
      }
      const st = this.state.get(g.model);
      if (st && st.be !== g.model.backend) {
        throw new RnnkitError(
          'BACKEND_MISMATCH',
          `groups[${gi}].model: the optimizer's state for this model is on another backend (${st.be.name}) than the model (${g.model.backend.name}); call optimizer.reset() after moving a model`,
          { argument: `groups[${gi}].model` },
        );
      }
    }
    const lr = this.lr();
    const t = this.steps + 1;
    const made: { be: Backend; t: Tensor }[] = [];
    const temps: { be: Backend; t: Tensor }[] = [];
    const pending: { g: GradientGroup; be: Backend; next: Map<string, Tensor>; slots: Map<string, Slot> }[] = [];
    try {
      for (const g of list) {
        const be = g.model.backend;
        const params = g.model.parameters();
        const old = this.state.get(g.model)?.slots;
        const next = new Map<string, Tensor>();
        const slots = new Map<string, Slot>();
        for (const [name, grad] of g.grads) {
          const r = this.update(be, params.get(name)!, grad, old?.get(name) ?? {}, lr, t);
          made.push({ be, t: r.param });
          for (const v of Object.values(r.slot)) if (v) made.push({ be, t: v });
          for (const v of r.temps) temps.push({ be, t: v });
          next.set(name, r.param);
          slots.set(name, r.slot);
        }
        pending.push({ g, be, next, slots });
      }
    } catch (e) {
      for (const m of [...made, ...temps]) disposeQuietly(m.be, m.t);
      throw asRnnkitError(e, 'optimizer.step');
    }
    for (const m of temps) disposeQuietly(m.be, m.t);
    // Commit: swap the new tensors in and free what they replace.
    for (const { g, be, next, slots } of pending) {
      g.model.replaceParameters(next);
      let st = this.state.get(g.model);
      if (!st) this.state.set(g.model, (st = { be, slots: new Map() }));
      for (const [name, slot] of slots) {
        const prev = st.slots.get(name);
        if (prev) for (const [k, v] of Object.entries(prev)) if (v && slot[k] !== v) disposeQuietly(be, v);
        st.slots.set(name, slot);
      }
    }
    this.steps = t;
  }

  reset(): void {
    this.dispose();
    this.steps = 0;
  }

  /** Frees the state on its backend, also for models disposed or moved since (nothing leaks in any dispose order). */
  dispose(): void {
    for (const { be, slots } of this.state.values()) {
      for (const slot of slots.values()) for (const v of Object.values(slot)) disposeQuietly(be, v);
    }
    this.state.clear();
  }
}

class Sgd extends BaseOptimizer {
  readonly name = 'sgd' as const;
  constructor(private readonly o: Required<Omit<SgdOptions, 'schedule'>> & { schedule?: LrSchedule }) {
    super(o.lr, o.schedule);
  }
  protected update(be: Backend, param: Tensor, grad: Tensor, slot: Readonly<Slot>, lr: number): { param: Tensor; slot: Slot; temps: Tensor[] } {
    const r = be.sgdUpdate({
      param,
      grad,
      ...(slot.velocity ? { velocity: slot.velocity } : {}),
      lr,
      momentum: this.o.momentum,
      dampening: this.o.dampening,
      nesterov: this.o.nesterov,
      weightDecay: this.o.weightDecay,
    });
    return { param: r.param, slot: r.velocity ? { velocity: r.velocity } : { ...slot }, temps: [] };
  }
}

class Adam extends BaseOptimizer {
  constructor(
    readonly name: 'adam' | 'adamw',
    private readonly o: { lr: number; weightDecay: number; beta1: number; beta2: number; eps: number; schedule?: LrSchedule },
  ) {
    super(o.lr, o.schedule);
  }
  protected update(be: Backend, param: Tensor, grad: Tensor, slot: Readonly<Slot>, lr: number, step: number): { param: Tensor; slot: Slot; temps: Tensor[] } {
    const temps: Tensor[] = [];
    try {
      const m = slot.m ?? temps[temps.push(be.zeros(param.shape)) - 1];
      const v = slot.v ?? temps[temps.push(be.zeros(param.shape)) - 1];
      const r = be.adamUpdate({
        param,
        grad,
        m,
        v,
        step,
        lr,
        beta1: this.o.beta1,
        beta2: this.o.beta2,
        eps: this.o.eps,
        weightDecay: this.o.weightDecay,
        decoupled: this.name === 'adamw',
      });
      return { param: r.param, slot: { m: r.m, v: r.v }, temps };
    } catch (e) {
      for (const t of temps) disposeQuietly(be, t);
      throw e;
    }
  }
}

/** torch.optim.SGD: momentum, dampening, Nesterov momentum and L2 weight decay. `lr` defaults to 0.01 (Keras; see `SgdOptions.lr`). */
export function sgd(o: SgdOptions = {}): Optimizer {
  const lr = checkBase(o, DEFAULT_LR.sgd);
  const momentum = o.momentum ?? 0;
  const dampening = o.dampening ?? 0;
  const nesterov = o.nesterov ?? false;
  check(typeof momentum === 'number' && momentum >= 0 && momentum < 1, 'momentum', 'a number in [0, 1)', momentum);
  check(typeof dampening === 'number' && dampening >= 0 && dampening <= 1, 'dampening', 'a number in [0, 1]', dampening);
  check(
    !nesterov || (momentum > 0 && dampening === 0),
    'nesterov',
    'momentum > 0 and dampening 0 (as PyTorch requires)',
    `momentum ${momentum}, dampening ${dampening}`,
  );
  return new Sgd({ lr, weightDecay: o.weightDecay ?? 0, momentum, dampening, nesterov, ...(o.schedule ? { schedule: o.schedule } : {}) });
}

function adamOptions(o: AdamOptions, defaultDecay: number) {
  const lr = checkBase(o, DEFAULT_LR.adam);
  const [beta1, beta2] = o.betas ?? [0.9, 0.999];
  check(typeof beta1 === 'number' && beta1 >= 0 && beta1 < 1, 'betas[0]', 'a number in [0, 1)', beta1);
  check(typeof beta2 === 'number' && beta2 >= 0 && beta2 < 1, 'betas[1]', 'a number in [0, 1)', beta2);
  const eps = o.eps ?? 1e-8;
  check(typeof eps === 'number' && eps > 0, 'eps', 'a positive number', eps);
  return { lr, weightDecay: o.weightDecay ?? defaultDecay, beta1, beta2, eps, ...(o.schedule ? { schedule: o.schedule } : {}) };
}

/** torch.optim.Adam (weight decay as L2 added to the gradient). `lr` defaults to 1e-3, as in PyTorch and Keras. */
export function adam(o: AdamOptions = {}): Optimizer {
  return new Adam('adam', adamOptions(o, 0));
}

/** torch.optim.AdamW (decoupled weight decay, default 0.01). `lr` defaults to 1e-3, as in PyTorch and Keras. */
export function adamw(o: AdamOptions = {}): Optimizer {
  return new Adam('adamw', adamOptions(o, 0.01));
}
