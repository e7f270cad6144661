import type { Backend, QuantizedMatrix, QuantizedTensor } from '../backend/backend.js';
import { BACKEND_SPEC_VERSION } from '../backend/backend.js';
import { dequantizeRows } from '../backend/composite/int8_impl.js';
import { asRnnkitError, checkObject, describe, quote, RnnkitError } from '../errors.js';
import type { LayerDraft } from '../graph/builders.js';
import { resolveLayers } from '../graph/builders.js';
import type { ModelSpec } from '../graph/spec.js';
import { validateModelSpec } from '../graph/validate.js';
import type { Limits } from '../limits.js';
import { resolveLimits } from '../limits.js';
import { initParams } from '../params/init.js';
import type { LoadStateDictResult, NameMatch } from '../params/match_names.js';
import { bareNames, loadResult, matchParamNames, strictMismatchError } from '../params/match_names.js';
import type { ParamInfo } from '../params/names.js';
import { layerParams, modelParams } from '../params/names.js';
import type { HostTensor, Tensor } from '../tensor.js';
import { formatShape, shapeEquals, sizeOf } from '../tensor.js';
import { Rng } from '../util/rng.js';
import { checkForwardInputs } from './forward_inputs.js';
import { runForwardPass } from './forward_pass.js';
import type { ForwardOptions, ForwardPass, HostRecurrentState, PredictionWithState, PredictOptions, SequenceInput, TokenInput } from './forward_types.js';
import { inferenceOnly, isQuantizableParam, isQuantized } from './quantized_params.js';

export type {
  ForwardOptions,
  ForwardPass,
  Gradients,
  HostRecurrentState,
  Lengths,
  PredictionWithState,
  PredictOptions,
  RecurrentState,
  SequenceInput,
  TokenInput,
} from './forward_types.js';
export type { LoadStateDictOptions, LoadStateDictResult, ModelOptions, StateDictOptions };

/** Options of `model.stateDict` (and `saveWeights`). */
interface StateDictOptions {
  /**
   * `model`: `{layer}.{name}` as `nn.Sequential` names them (`0.weight_ih_l0`, `2.weight`);
   * `bare`: the model's only recurrent layer without its prefix (`weight_ih_l0`), what a plain
   * `nn.LSTM`/`nn.GRU`/`nn.RNN` loads (other layers keep `{layer}.`; a model without exactly one
   * recurrent layer is an INVALID_ARGUMENT error).
   * @defaultValue 'model'
   */
  names?: 'model' | 'bare';
}

/** Options of `model.loadStateDict`. */
interface LoadStateDictOptions {
  /**
   * Require exactly the model's parameters (after mapping names). `false` loads the ones that
   * match and returns `{ missing, unexpected }`, as torch's `load_state_dict(strict=False)`.
   * @defaultValue true
   */
  strict?: boolean;
  /** Given-name prefix → model-name prefix, e.g. `{ 'rnn.': '0.', 'fc.': '1.' }` for a module with `self.rnn`, `self.fc`. */
  prefixes?: Readonly<Record<string, string>>;
}

/** Options of `new Model`, `sequential` and the loaders. */
interface ModelOptions {
  /** Size limits checked before anything is allocated (see `Limits`); the model keeps them for its forward calls. */
  limits?: Partial<Limits>;
}

/** Model options key (internal): the params map's arrays are the model's to keep, not copied. */
export const HANDED_OVER: unique symbol = Symbol('rnnkit.handedOver');
/**
 * Model options key (internal): int8 weights by model parameter name (`quantize`, the loaders).
 * The params map then holds every other parameter (biases, embeddings) in float32.
 */
export const QUANTIZED_WEIGHTS: unique symbol = Symbol('rnnkit.quantizedWeights');

/** What each model is busy with: a training call, or a move between backends. */
const busy = new WeakMap<Model, string>();

/**
 * Marks `models` busy with `what` (a training call) until the returned function is called. A
 * model already busy throws BUSY: two training calls on one model would apply stale gradients.
 */
export function lockModels(models: readonly Model[], what: string): () => void {
  if (models.length === 1) {
    // The common case (one model; every training step of trainStep takes this path): no set, no copy.
    const m = models[0];
    lockOne(m, what);
    busy.set(m, what);
    return () => {
      if (busy.get(m) === what) busy.delete(m);
    };
  }
  for (const m of models) lockOne(m, what);
  const mine = [...new Set(models)];
  for (const m of mine) busy.set(m, what);
  return () => {
    for (const m of mine) if (busy.get(m) === what) busy.delete(m);
  };
}

/** Throws when `m` can't be locked for `what`: unusable, or busy with another call. */
function lockOne(m: Model, what: string): void {
  m.checkUsable(what);
  const holder = busy.get(m);
  if (holder !== undefined) {
    throw new RnnkitError(
      'BUSY',
      `model: ${what} can't start: the model is already in ${holder}; await it first (two training calls on one model would interleave their steps)`,
      { argument: 'model' },
    );
  }
}

/**
 * A model: a validated graph plus its parameters. Built on the host from a seed; `to(backend)`
 * moves the parameters onto a backend, where forward and backward run.
 */
export class Model {
  /** The validated graph: layers, seed and format tag, as `SavedModel.spec` stores it. */
  readonly spec: ModelSpec;
  /** The size limits this model was built with; its forward calls check against them. */
  readonly limits: Readonly<Limits>;
  private hostParams: Map<string, Float32Array> | undefined;
  private deviceParams: Map<string, Tensor> | undefined;
  private be: Backend | undefined;
  private readonly infos: ParamInfo[];
  /** Parameter name → info, for replaceParameters (every optimizer step). */
  private readonly infoByName: Map<string, ParamInfo>;
  /** Per layer: [name within the layer, name in the model] of its parameters, computed once. */
  private readonly layerNames: (readonly [string, string][])[];
  /** `layerParamMap` bound once: forward passes it on every call. */
  private readonly layerParamsOf: (i: number) => Map<string, Tensor>;
  private passes = 0;
  private disposed = false;
  /** int8 weights (a quantized model), kept on the host for the model's life: they are small and can't be read back. */
  private readonly qHost: ReadonlyMap<string, QuantizedMatrix> | undefined;

  constructor(spec: ModelSpec, params?: ReadonlyMap<string, Float32Array>, options: ModelOptions = {}) {
    if (options === null || typeof options !== 'object')
      throw new RnnkitError('INVALID_ARGUMENT', `options: expected an object ({ limits }), got ${describe(options)}`, { argument: 'options' });
    this.limits = resolveLimits(options.limits);
    validateModelSpec(spec, { limits: this.limits });
    this.spec = structuredClone(spec);
    this.infos = modelParams(this.spec);
    this.infoByName = new Map(this.infos.map((p) => [p.name, p]));
    this.layerNames = this.spec.layers.map((l, i) => layerParams(l).map((p) => [p.name, `${i}.${p.name}`] as [string, string]));
    this.layerParamsOf = (i) => this.layerParamMap(i);
    const q = (options as { [QUANTIZED_WEIGHTS]?: ReadonlyMap<string, QuantizedMatrix> })[QUANTIZED_WEIGHTS];
    if (q !== undefined) {
      for (const [name, m] of q) {
        const info = this.infoByName.get(name);
        const [layer, local] = splitName(name);
        if (!info || !isQuantizableParam(this.spec.layers[layer], local) || !shapeEquals(info.shape, m.shape)) {
          throw new RnnkitError('INVALID_ARGUMENT', `params: ${quote(name)} can't hold int8 weights ${formatShape(m.shape)}`, { argument: 'params' });
        }
      }
      this.qHost = q;
    }
    if (params !== undefined) {
      const m = this.checkParams(params, 'params');
      // The caller keeps its arrays; the loaders hand over arrays they made (no second copy).
      const owned = (options as { [HANDED_OVER]?: boolean })[HANDED_OVER] === true;
      this.hostParams = new Map([...m.matched].map(([k, [, v]]) => [k, owned ? v : v.slice()]));
    } else this.hostParams = initParams(this.infos, spec.seed);
  }

  /** Throws DISPOSED once the model was disposed. `what` names the call. */
  checkUsable(what: string): void {
    if (this.disposed) throw new RnnkitError('DISPOSED', `model: ${what}: the model was disposed; build or load a new one`, { argument: 'model' });
  }

  /** Throws DISPOSED or BUSY: calls that change the parameters wait for a training call to end. @internal */
  notBusy(what: string): void {
    this.checkUsable(what);
    const holder = busy.get(this);
    if (holder !== undefined) throw new RnnkitError('BUSY', `model: ${what} can't run while the model is in ${holder}; await it first`, { argument: 'model' });
  }

  /** `int8` for a model made by `quantize(model, { weights: 'int8' })` (inference only), else undefined. */
  get quantization(): 'int8' | undefined {
    return this.qHost ? 'int8' : undefined;
  }

  /** The int8 weights of a quantized model, by parameter name (host copies are kept). @internal */
  quantizedWeights(): ReadonlyMap<string, QuantizedMatrix> | undefined {
    return this.qHost;
  }

  /** The parameters stored as float32 (all of them, unless the model is quantized). */
  private floatInfos(): readonly ParamInfo[] {
    const q = this.qHost;
    return q ? this.infos.filter((p) => !q.has(p.name)) : this.infos;
  }

  /**
   * The backend the parameters live on, set by `to(backend)`.
   * @throws RnnkitError DISPOSED after `dispose()`; INVALID_ARGUMENT before `to(backend)`
   */
  get backend(): Backend {
    this.checkUsable('backend');
    if (!this.be) throw new RnnkitError('INVALID_ARGUMENT', 'model: not on a backend yet; call model.to(backend) first', { argument: 'model' });
    return this.be;
  }

  /** Names, shapes and init of every parameter, in state_dict order. */
  parameterInfo(): readonly ParamInfo[] {
    return this.infos;
  }

  /**
   * Moves the parameters to `backend` (from the host or from the previous backend). On any
   * error the model stays where it was, with the same parameters, and nothing is left uploaded.
   */
  async toAsync(backend: Backend): Promise<this> {
    this.notBusy('toAsync');
    if (this.be === backend) return this;
    checkBackend(backend);
    const release = lockModels([this], 'toAsync');
    try {
      const host = this.hostParams ?? (await this.readParams());
      this.install(backend, host);
      return this;
    } finally {
      release();
    }
  }

  /**
   * Moves host parameters onto `backend`. From another backend, use `toAsync` (reads are async).
   * On any error the model is as it was and nothing is left uploaded.
   */
  to(backend: Backend): this {
    this.notBusy('to');
    if (this.be === backend) return this;
    if (!this.hostParams) {
      throw new RnnkitError('INVALID_ARGUMENT', 'backend: the model is on another backend; use await model.toAsync(backend) to move it', {
        argument: 'backend',
      });
    }
    checkBackend(backend);
    this.install(backend, this.hostParams);
    return this;
  }

  /**
   * Moves several models to `backend` together (`Seq2Seq.to`): every model's parameters are
   * uploaded first, and only when all uploads succeeded do the models switch; otherwise nothing
   * moved and nothing is left uploaded. @internal
   */
  static toTogether(models: readonly Model[], backend: Backend): void {
    const moving = models.filter((m, i) => {
      m.notBusy('to');
      return m.be !== backend && models.indexOf(m) === i;
    });
    for (const m of moving) {
      if (!m.hostParams)
        throw new RnnkitError('INVALID_ARGUMENT', 'backend: a model is on another backend; move each with await model.toAsync(backend)', {
          argument: 'backend',
        });
    }
    checkBackend(backend);
    const staged: Map<string, Tensor>[] = [];
    try {
      for (const m of moving) staged.push(uploadAll(backend, m.floatInfos(), m.hostParams!, 'to', m.qHost));
    } catch (e) {
      for (const s of staged) releaseAll(backend, s);
      throw e;
    }
    moving.forEach((m, i) => {
      m.deviceParams = staged[i];
      m.be = backend;
      m.hostParams = undefined;
    });
  }

  /** Uploads `host` to `backend` and makes it the model's; all or nothing. */
  private install(backend: Backend, host: ReadonlyMap<string, Float32Array>): void {
    const uploaded = uploadAll(backend, this.floatInfos(), host, 'to', this.qHost);
    try {
      this.releaseDevice();
    } finally {
      this.deviceParams = uploaded;
      this.be = backend;
      this.hostParams = undefined;
    }
  }

  /** Parameters on the backend, by PyTorch-style name (`0.weight_ih_l0`, `2.weight`). */
  parameters(): ReadonlyMap<string, Tensor> {
    this.checkUsable('parameters');
    if (this.qHost) throw inferenceOnly('parameters');
    return this.deviceParameters();
  }

  /** Every parameter on the backend (int8 handles included, for the layers). */
  private deviceParameters(): ReadonlyMap<string, Tensor> {
    if (!this.deviceParams) throw new RnnkitError('INVALID_ARGUMENT', 'model: not on a backend yet; call model.to(backend) first', { argument: 'model' });
    return this.deviceParams;
  }

  /**
   * Copies of every parameter on the host, in state_dict order. `names: 'bare'` drops the prefix
   * of the model's only recurrent layer (`weight_ih_l0`), as a plain `nn.LSTM`'s `state_dict()`
   * names them (see `StateDictOptions`).
   */
  async stateDict(options: StateDictOptions = {}): Promise<Map<string, Float32Array>> {
    this.checkUsable('stateDict');
    checkObject(options, 'options', "{ names: 'model' | 'bare' }");
    const names = options.names ?? 'model';
    if (names !== 'model' && names !== 'bare')
      throw new RnnkitError('INVALID_ARGUMENT', `names: expected "model" or "bare", got ${describe(names)}`, { argument: 'names' });
    const rename = names === 'bare' ? bareNames(this.spec, 'names') : undefined;
    const floats = this.hostParams ? new Map([...this.hostParams].map(([k, v]) => [k, v.slice()])) : await this.readParams();
    const q = this.qHost;
    // A quantized model's int8 weights come back dequantized (Wq · scale), in state_dict order.
    const state = q ? new Map(this.infos.map((p) => [p.name, q.has(p.name) ? dequantizeRows(q.get(p.name)!) : floats.get(p.name)!])) : floats;
    return rename ? new Map([...state].map(([k, v]) => [rename(k), v])) : state;
  }

  private async readParams(): Promise<Map<string, Float32Array>> {
    const be = this.backend;
    const params = this.deviceParams!;
    const out = new Map<string, Float32Array>();
    try {
      for (const p of this.floatInfos()) out.set(p.name, await be.read(params.get(p.name)!));
    } catch (e) {
      throw asRnnkitError(e, 'stateDict');
    }
    this.checkUsable('stateDict');
    return out;
  }

  /**
   * Every float parameter present with the right type and size (the constructor's check; strict).
   * A quantized model's int8 weights travel apart from the float map: they are neither missing
   * from it nor allowed in it.
   */
  private checkParams(params: ReadonlyMap<string, Float32Array>, arg: string): NameMatch<Float32Array> {
    const all = this.matchParams(params, arg, []);
    const q = this.qHost;
    const m: NameMatch<Float32Array> = q
      ? {
          matched: new Map([...all.matched].filter(([name]) => !q.has(name))),
          missing: all.missing.filter((p) => !q.has(p.name)),
          unexpected: [...all.unexpected, ...[...all.matched].filter(([name]) => q.has(name)).map(([name, [given]]) => [given, name] as [string, string])],
        }
      : all;
    if (m.missing.length > 0 || m.unexpected.length > 0) throw strictMismatchError(m, this.spec, arg, 'INVALID_ARGUMENT', 'parameter');
    return m;
  }

  /**
   * Maps the given names onto the model's (bare recurrent names and `prefixes` as the loaders do,
   * see `params/match_names.ts`) and checks each matched value's type and size.
   */
  private matchParams(params: ReadonlyMap<string, Float32Array>, arg: string, prefixes: readonly [string, string][]): NameMatch<Float32Array> {
    if (!(params instanceof Map))
      throw new RnnkitError('INVALID_ARGUMENT', `${arg}: expected a Map of parameter name → Float32Array, got ${describe(params)}`, { argument: arg });
    for (const k of params.keys()) {
      if (typeof k !== 'string')
        throw new RnnkitError('INVALID_ARGUMENT', `${arg}: expected parameter names (strings) as keys, got ${describe(k)}`, { argument: arg });
    }
    const m = matchParamNames(params, this.spec, prefixes, arg, 'INVALID_ARGUMENT');
    for (const [name, [given, v]] of m.matched) {
      const p = this.infoByName.get(name)!;
      if (!(v instanceof Float32Array) || v.length !== sizeOf(p.shape)) {
        throw new RnnkitError(
          'SHAPE_MISMATCH',
          `${arg}.${given}: expected a Float32Array of ${sizeOf(p.shape)} values (shape ${formatShape(p.shape)}${v instanceof Float32Array ? '' : '; convert with Float32Array.from(x)'}), got ${describe(v)}`,
          { argument: `${arg}.${given}` },
        );
      }
    }
    return m;
  }

  /**
   * Replaces parameters, as `torch.nn.Module.load_state_dict` does. Names are the model's
   * (`0.weight_ih_l0`) or, for a model with one recurrent layer, a plain `nn.LSTM`'s bare names
   * (`weight_ih_l0`); `prefixes` rewrites others (`{ 'rnn.': '0.' }`). With `strict` (the
   * default) the names must be exactly the model's parameters, and the error lists every missing
   * and unexpected one; `strict: false` loads those that match, keeps the rest, and returns
   * `{ missing, unexpected }`. Everything is checked first, so a bad map changes nothing, and a
   * failed upload leaves the old parameters in place with nothing left uploaded.
   */
  loadStateDict(params: ReadonlyMap<string, Float32Array>, options: LoadStateDictOptions = {}): LoadStateDictResult {
    this.notBusy('loadStateDict');
    if (this.qHost) throw inferenceOnly('loadStateDict');
    checkObject(options, 'options', '{ strict, prefixes }');
    if (options.strict !== undefined && typeof options.strict !== 'boolean')
      throw new RnnkitError('INVALID_ARGUMENT', `strict: expected a boolean, got ${describe(options.strict)}`, { argument: 'strict' });
    const prefixes = Object.entries(options.prefixes ?? {});
    for (const [from, to] of prefixes) {
      if (typeof to !== 'string')
        throw new RnnkitError('INVALID_ARGUMENT', `prefixes[${quote(from)}]: expected a string, got ${describe(to)}`, { argument: `prefixes[${quote(from)}]` });
    }
    const m = this.matchParams(params, 'stateDict', prefixes);
    if (options.strict !== false && (m.missing.length > 0 || m.unexpected.length > 0))
      throw strictMismatchError(m, this.spec, 'stateDict', 'INVALID_ARGUMENT', 'parameter');
    if (!this.be) {
      const host = this.hostParams!;
      for (const [name, [, v]] of m.matched) host.set(name, v.slice());
      return loadResult(m);
    }
    const infos = this.infos.filter((p) => m.matched.has(p.name));
    const values = new Map([...m.matched].map(([name, [, v]]) => [name, v]));
    const next = uploadAll(this.be, infos, values, 'loadStateDict');
    const cur = this.deviceParams!;
    for (const [name, t] of next) {
      const old = cur.get(name)!;
      cur.set(name, t);
      try {
        this.be.dispose(old);
      } catch {
        // a destroyed backend already released it
      }
    }
    return loadResult(m);
  }

  /** Swaps in new parameter tensors (optimizers); the model takes ownership and frees the old ones. */
  replaceParameters(updates: ReadonlyMap<string, Tensor>): void {
    const cur = this.parameters() as Map<string, Tensor>;
    if (!(updates instanceof Map))
      throw new RnnkitError('INVALID_ARGUMENT', `updates: expected a Map of parameter name → tensor, got ${describe(updates)}`, { argument: 'updates' });
    for (const [k, t] of updates) {
      const info = this.infoByName.get(k);
      if (!info || !t || !Array.isArray(t.shape) || !shapeEquals(info.shape, t.shape)) {
        throw new RnnkitError(
          'SHAPE_MISMATCH',
          `updates.${k}: expected a parameter of shape ${info ? formatShape(info.shape) : '(none: unknown name)'}, got ${t && Array.isArray(t.shape) ? formatShape(t.shape) : describe(t)}`,
          { argument: `updates.${k}` },
        );
      }
    }
    for (const [k, t] of updates) {
      this.backend.dispose(cur.get(k)!);
      cur.set(k, t);
    }
  }

  private layerParamMap(i: number): Map<string, Tensor> {
    const all = this.deviceParameters();
    const out = new Map<string, Tensor>();
    for (const [local, name] of this.layerNames[i]) out.set(local, all.get(name)!);
    return out;
  }

  /**
   * Runs the model: checks every input (`checkForwardInputs`), then uploads and runs the layers
   * (`runForwardPass`). Everything is checked before any work is queued, and a pass that fails
   * part-way releases what it made, so a bad call leaves the model and backend as they were.
   */
  forward(input: SequenceInput | TokenInput, opts: ForwardOptions = {}): ForwardPass {
    this.checkUsable('forward');
    const be = this.backend;
    if (this.qHost && opts !== null && typeof opts === 'object' && opts.training === true) throw inferenceOnly('forward with training: true');
    if (opts === null || typeof opts !== 'object')
      throw new RnnkitError('INVALID_ARGUMENT', `opts: expected forward options { lengths, h0, c0, training, … }, got ${describe(opts)}`, { argument: 'opts' });
    const checked = checkForwardInputs(this.spec, be, input, opts, this.limits);
    const training = opts.training ?? false;
    const dropoutRng = training ? new Rng(opts.dropoutSeed ?? (this.spec.seed ^ 0x0d0d) + this.passes++) : undefined;
    return runForwardPass({ be, spec: this.spec, layerParams: this.layerParamsOf, input, opts, checked, training, dropoutRng });
  }

  /**
   * Inference on host data: runs forward and reads the output back. With `{ states: true }` it
   * also reads the final states — PyTorch's `output, (h_n, c_n) = lstm(x)` in one call:
   * `const { output, hN, cN } = await model.predict(x, { states: true })`. Everything made on
   * the backend is disposed before it returns (or throws).
   */
  predict(input: SequenceInput | TokenInput, opts?: PredictOptions & { states?: false }): Promise<HostTensor>;
  predict(input: SequenceInput | TokenInput, opts: PredictOptions & { states: true }): Promise<PredictionWithState>;
  async predict(input: SequenceInput | TokenInput, opts: PredictOptions = {}): Promise<HostTensor | PredictionWithState> {
    this.checkUsable('predict');
    if (opts === null || typeof opts !== 'object')
      throw new RnnkitError('INVALID_ARGUMENT', `opts: expected forward options { lengths, h0, c0, states, … }, got ${describe(opts)}`, { argument: 'opts' });
    const { states: withStates, ...forwardOpts } = opts;
    if (withStates !== undefined && typeof withStates !== 'boolean')
      throw new RnnkitError('INVALID_ARGUMENT', `states: expected a boolean, got ${describe(withStates)}`, { argument: 'states' });
    if (withStates && !this.spec.layers.some((l) => l.type === 'recurrent'))
      throw new RnnkitError('UNSUPPORTED', 'states: the model has no recurrent layer, so no final state; call predict(x) without { states: true }', {
        argument: 'states',
      });
    const pass = this.forward(input, { ...forwardOpts, training: false });
    try {
      const be = this.backend;
      const read = async (t: Tensor): Promise<HostTensor> => ({ data: await be.read(t), shape: [...t.shape] });
      const output = await read(pass.output);
      if (!withStates) return output;
      const states: HostRecurrentState[] = [];
      for (const st of pass.states) states.push({ layer: st.layer, hN: await read(st.hN), ...(st.cN ? { cN: await read(st.cN) } : {}) });
      const first = states[0];
      return { output, hN: first.hN, ...(first.cN ? { cN: first.cN } : {}), states };
    } catch (e) {
      throw asRnnkitError(e, 'predict');
    } finally {
      pass.dispose();
    }
  }

  /** Disposes the device parameters; a backend destroyed meanwhile took them with it. */
  private releaseDevice(): void {
    const be = this.be;
    const params = this.deviceParams;
    this.deviceParams = undefined;
    if (!be || !params) return;
    releaseAll(be, params);
  }

  /**
   * Frees the parameters on the backend. Every later use of the model throws DISPOSED; a second
   * dispose does nothing. An optimizer that trained the model still frees its own state.
   */
  dispose(): void {
    if (this.disposed) return;
    const holder = busy.get(this);
    if (holder !== undefined) throw new RnnkitError('BUSY', `model: dispose can't run while the model is in ${holder}; await it first`, { argument: 'model' });
    this.releaseDevice();
    this.be = undefined;
    this.hostParams = undefined;
    this.disposed = true;
  }
}

/** `m` must be a Model (INVALID_ARGUMENT otherwise), for the functions that take one. @internal */
export function checkModel(m: unknown, argument = 'model'): asserts m is Model {
  if (!(m instanceof Model))
    throw new RnnkitError('INVALID_ARGUMENT', `${argument}: expected a Model (from sequential, loadModel, …), got ${describe(m)}`, { argument });
}

function checkBackend(backend: Backend): void {
  if (backend === null || typeof backend !== 'object' || backend.specificationVersion !== BACKEND_SPEC_VERSION) {
    const v = backend !== null && typeof backend === 'object' ? (backend as { specificationVersion?: unknown }).specificationVersion : undefined;
    throw new RnnkitError(
      'BACKEND_UNAVAILABLE',
      `backend: expected a backend speaking interface "${BACKEND_SPEC_VERSION}" (made by defineBackend), got ${describe(v ?? backend)}`,
      {
        argument: 'backend',
      },
    );
  }
}

/**
 * Every parameter of `host` (and the int8 weights of `quantized`, as handles in the same map)
 * uploaded to `be`, or (on any error) nothing: what was uploaded is released.
 */
function uploadAll(
  be: Backend,
  infos: readonly ParamInfo[],
  host: ReadonlyMap<string, Float32Array>,
  what: string,
  quantized?: ReadonlyMap<string, QuantizedMatrix>,
): Map<string, Tensor> {
  const uploaded = new Map<string, Tensor>();
  try {
    for (const p of infos) uploaded.set(p.name, be.upload(host.get(p.name)!, p.shape));
    for (const [name, q] of quantized ?? []) uploaded.set(name, be.uploadQuantized(q) as QuantizedTensor & Tensor);
    return uploaded;
  } catch (e) {
    releaseAll(be, uploaded);
    throw asRnnkitError(e, what);
  }
}

/** Disposes every tensor and int8 handle of `params`; a destroyed backend already released them. */
function releaseAll(be: Backend, params: ReadonlyMap<string, Tensor>): void {
  for (const t of params.values()) {
    try {
      if (isQuantized(t)) be.disposeQuantized(t);
      else be.dispose(t);
    } catch {
      // the backend was destroyed: its tensors are gone already
    }
  }
}

/** `3.weight_ih_l0` → [3, 'weight_ih_l0']. */
function splitName(name: string): [number, string] {
  const dot = name.indexOf('.');
  return [Number(name.slice(0, dot)), name.slice(dot + 1)];
}

/**
 * Builds a model from layers, torch.nn.Sequential style; input sizes are filled in from the
 * previous layer. `limits` bound the sizes (checked before any parameter is drawn).
 */
export function sequential(layers: readonly LayerDraft[], opts: { seed?: number; limits?: Partial<Limits> } = {}): Model {
  if (!Array.isArray(layers))
    throw new RnnkitError('INVALID_ARGUMENT', `layers: expected an array of layers (lstm(…), linear(…), …), got ${describe(layers)}`, { argument: 'layers' });
  if (opts === null || typeof opts !== 'object')
    throw new RnnkitError('INVALID_ARGUMENT', `opts: expected { seed, limits }, got ${describe(opts)}`, { argument: 'opts' });
  const seed = opts.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed))
    throw new RnnkitError('INVALID_ARGUMENT', `seed: expected a (safe) integer, got ${describe(seed)}`, { argument: 'seed' });
  layers.forEach((l, i) => {
    if (l === null || typeof l !== 'object')
      throw new RnnkitError('INVALID_SPEC', `spec.layers[${i}]: expected a layer object (lstm(…), linear(…), …), got ${describe(l)}`, {
        argument: `spec.layers[${i}]`,
      });
  });
  const spec: ModelSpec = { format: 'rnnkit.model', version: 1, layers: resolveLayers(layers), seed };
  return new Model(spec, undefined, opts.limits !== undefined ? { limits: opts.limits } : {});
}
