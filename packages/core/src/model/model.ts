import type { Backend } from '../backend/backend.js';
import { RnnkitError, describe } from '../errors.js';
import type { LayerDraft } from '../graph/builders.js';
import { resolveLayers } from '../graph/builders.js';
import type { ModelSpec, RecurrentSpec } from '../graph/spec.js';
import { validateModelSpec } from '../graph/validate.js';
import { initParams } from '../params/init.js';
import type { ParamInfo } from '../params/names.js';
import { layerParams, modelParams } from '../params/names.js';
import type { HostTensor, Shape, Tensor } from '../tensor.js';
import { formatShape, shapeEquals, sizeOf } from '../tensor.js';
import { Rng } from '../util/rng.js';
import type { Flow, LayerStep } from './layers.js';
import { runEmbedding, runLayer } from './layers.js';
import { checkFinite, checkRecurrentInputs } from './validate_inputs.js';

/** Float input: host data with a shape, or a tensor already on the model's backend. */
export type SequenceInput = HostTensor | Tensor;
/** Token ids for models that start with an embedding: [B, T] (or [T, B] when not batchFirst). */
export interface TokenInput {
  ids: Int32Array | readonly number[];
  shape: readonly [number, number];
}

export interface ForwardOptions {
  /** Per-sequence lengths (B); steps past a length are padding. */
  lengths?: ArrayLike<number>;
  /** Initial state of the first recurrent layer, [numLayers*dirs, B, H]. */
  h0?: SequenceInput;
  c0?: SequenceInput;
  /** Keep what backward needs and apply dropout. */
  training?: boolean;
  /** Seed of this pass's dropout masks (defaults to a stream derived from the model's seed). */
  dropoutSeed?: number;
  /** Reject NaN and ±Infinity in host inputs before running. */
  checkFinite?: boolean;
  maxSequenceLength?: number;
}

export interface RecurrentState {
  /** Index of the recurrent layer in the model's layer list. */
  layer: number;
  hN: Tensor;
  cN?: Tensor;
}

export interface Gradients {
  /** Gradients by parameter name (same names as `parameters()`). */
  params: Map<string, Tensor>;
  /** d loss / d input, for float inputs. */
  input?: Tensor;
  h0?: Tensor;
  c0?: Tensor;
  dispose(): void;
}

/** One forward pass. Dispose it when done; `backward` is there when it ran with `training`. */
export interface ForwardPass {
  output: Tensor;
  states: RecurrentState[];
  /**
   * Upstream gradients: dOutput like `output`; dStates[i] for `states[i]`. `inputGrad: false`
   * skips d loss / d input (`Gradients.input` is then absent): a training step, whose input is
   * data, saves the first layer's dx GEMM that way.
   */
  backward(upstream: { dOutput?: Tensor; dStates?: { hN?: Tensor; cN?: Tensor }[] }, opts?: { inputGrad?: boolean }): Gradients;
  dispose(): void;
}

/** A backend tensor names its backend; host data does not (backend tensors may carry a `data` field of their own). */
function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && typeof (x as Tensor).backend === 'string' && 'shape' in x;
}

function isHost(x: unknown): x is HostTensor {
  return typeof x === 'object' && x !== null && !isTensor(x) && 'shape' in x && (x as HostTensor).data instanceof Float32Array;
}

/**
 * A model: a validated graph plus its parameters. Built on the host from a seed; `to(backend)`
 * moves the parameters onto a backend, where forward and backward run.
 */
export class Model {
  readonly spec: ModelSpec;
  private hostParams: Map<string, Float32Array> | undefined;
  private deviceParams: Map<string, Tensor> | undefined;
  private be: Backend | undefined;
  private readonly infos: ParamInfo[];
  private passes = 0;

  constructor(spec: ModelSpec, params?: Map<string, Float32Array>) {
    validateModelSpec(spec);
    this.spec = structuredClone(spec);
    this.infos = modelParams(this.spec);
    this.hostParams = params ? new Map(params) : initParams(this.infos, spec.seed);
    if (params) this.checkParams(params, 'params');
  }

  get backend(): Backend {
    if (!this.be) throw new RnnkitError('INVALID_ARGUMENT', 'model: not on a backend yet; call model.to(backend) first', { argument: 'model' });
    return this.be;
  }

  /** Names, shapes and init of every parameter, in state_dict order. */
  parameterInfo(): readonly ParamInfo[] {
    return this.infos;
  }

  /** Moves the parameters to `backend` (from the host or from the previous backend). */
  async toAsync(backend: Backend): Promise<this> {
    if (this.be && this.be !== backend) this.hostParams = await this.stateDict();
    return this.to(backend);
  }

  /** Moves host parameters onto `backend`. From another backend, use `toAsync` (reads are async). */
  to(backend: Backend): this {
    if (this.be === backend) return this;
    if (!this.hostParams) {
      throw new RnnkitError('INVALID_ARGUMENT', 'backend: the model is on another backend; use await model.toAsync(backend) to move it', { argument: 'backend' });
    }
    const uploaded = new Map<string, Tensor>();
    for (const p of this.infos) uploaded.set(p.name, backend.upload(this.hostParams.get(p.name)!, p.shape));
    this.releaseDevice();
    this.deviceParams = uploaded;
    this.be = backend;
    this.hostParams = undefined;
    return this;
  }

  /** Parameters on the backend, by PyTorch-style name (`0.weight_ih_l0`, `2.weight`). */
  parameters(): ReadonlyMap<string, Tensor> {
    if (!this.deviceParams) throw new RnnkitError('INVALID_ARGUMENT', 'model: not on a backend yet; call model.to(backend) first', { argument: 'model' });
    return this.deviceParams;
  }

  /** Copies of every parameter on the host, in state_dict order. */
  async stateDict(): Promise<Map<string, Float32Array>> {
    if (this.hostParams) return new Map([...this.hostParams].map(([k, v]) => [k, v.slice()]));
    const out = new Map<string, Float32Array>();
    for (const p of this.infos) out.set(p.name, await this.backend.read(this.deviceParams!.get(p.name)!));
    return out;
  }

  private checkParams(params: ReadonlyMap<string, Float32Array>, arg: string): void {
    for (const p of this.infos) {
      const v = params.get(p.name);
      if (!v) throw new RnnkitError('INVALID_ARGUMENT', `${arg}: missing parameter "${p.name}" of shape ${formatShape(p.shape)}`, { argument: `${arg}.${p.name}` });
      if (!(v instanceof Float32Array) || v.length !== sizeOf(p.shape)) {
        throw new RnnkitError('SHAPE_MISMATCH', `${arg}.${p.name}: expected a Float32Array of ${sizeOf(p.shape)} values (shape ${formatShape(p.shape)}), got ${describe(v)}`, { argument: `${arg}.${p.name}` });
      }
    }
    for (const k of params.keys()) {
      if (!this.infos.some((p) => p.name === k)) {
        throw new RnnkitError('INVALID_ARGUMENT', `${arg}: unexpected parameter "${k}" (expected one of ${this.infos.map((p) => p.name).join(', ')})`, { argument: `${arg}.${k}` });
      }
    }
  }

  /** Replaces every parameter; checks all names and sizes first, so a bad map changes nothing. */
  loadStateDict(params: ReadonlyMap<string, Float32Array>): void {
    this.checkParams(params, 'stateDict');
    if (!this.be) {
      this.hostParams = new Map([...params].map(([k, v]) => [k, v.slice()]));
      return;
    }
    const next = new Map<string, Tensor>();
    for (const p of this.infos) next.set(p.name, this.be.upload(params.get(p.name)!, p.shape));
    this.releaseDevice();
    this.deviceParams = next;
  }

  /** Swaps in new parameter tensors (optimizers); the model takes ownership and frees the old ones. */
  replaceParameters(updates: ReadonlyMap<string, Tensor>): void {
    const cur = this.parameters() as Map<string, Tensor>;
    for (const [k, t] of updates) {
      const info = this.infos.find((p) => p.name === k);
      if (!info || !shapeEquals(info.shape, t.shape)) {
        throw new RnnkitError('SHAPE_MISMATCH', `updates.${k}: expected a parameter of shape ${info ? formatShape(info.shape) : '(none: unknown name)'}, got ${formatShape(t.shape)}`, { argument: `updates.${k}` });
      }
    }
    for (const [k, t] of updates) {
      this.backend.dispose(cur.get(k)!);
      cur.set(k, t);
    }
  }

  private layerParamMap(i: number): Map<string, Tensor> {
    const all = this.parameters();
    return new Map(layerParams(this.spec.layers[i]).map((p) => [p.name, all.get(`${i}.${p.name}`)!]));
  }

  private firstRecurrent(): RecurrentSpec | undefined {
    return this.spec.layers.find((l): l is RecurrentSpec => l.type === 'recurrent');
  }

  /**
   * Runs the model. Everything is checked before any work is queued, so a bad call leaves the
   * model and backend as they were.
   */
  forward(input: SequenceInput | TokenInput, opts: ForwardOptions = {}): ForwardPass {
    const be = this.backend;
    const rec = this.firstRecurrent();
    const batchFirst = rec ? rec.batchFirst : true;
    const first = this.spec.layers[0];
    const owned: Tensor[] = []; // uploads this pass made, released with it
    const own = (t: Tensor) => (owned.push(t), t);
    const stateArg = (v: SequenceInput | undefined, name: string): Tensor | undefined => {
      if (v === undefined) return undefined;
      if (isTensor(v)) {
        if (v.backend !== be.name) throw new RnnkitError('BACKEND_MISMATCH', `${name}: expected a tensor on backend "${be.name}", got one on "${v.backend}"`, { argument: name });
        return v;
      }
      if (!isHost(v)) throw new RnnkitError('INVALID_ARGUMENT', `${name}: expected {data: Float32Array, shape} or a tensor, got ${describe(v)}`, { argument: name });
      if (v.data.length !== sizeOf(v.shape)) throw new RnnkitError('SHAPE_MISMATCH', `${name}: data has ${v.data.length} values but shape ${formatShape(v.shape)} needs ${sizeOf(v.shape)}`, { argument: name });
      if (opts.checkFinite) checkFinite(v.data, name);
      return undefined; // uploaded after every check passes
    };

    // 1. Check everything.
    let flowShape: Shape;
    let ids: Int32Array | undefined;
    if (first.type === 'embedding') {
      const tok = input as TokenInput;
      if (!tok || typeof tok !== 'object' || !('ids' in tok)) throw new RnnkitError('INVALID_ARGUMENT', `input: expected token ids {ids, shape: [batch, seq]} for a model that starts with an embedding, got ${describe(input)}`, { argument: 'input' });
      const shape = tok.shape;
      if (!Array.isArray(shape) || shape.length !== 2) throw new RnnkitError('SHAPE_MISMATCH', `input.shape: expected [batch, seq] (or [seq, batch]), got ${describe(shape)}`, { argument: 'input.shape' });
      if (tok.ids.length !== shape[0] * shape[1]) throw new RnnkitError('SHAPE_MISMATCH', `input.ids: expected ${shape[0] * shape[1]} ids for shape ${formatShape(shape)}, got ${tok.ids.length}`, { argument: 'input.ids' });
      ids = Int32Array.from(tok.ids);
      const V = first.numEmbeddings;
      for (let i = 0; i < ids.length; i++) {
        if (!(ids[i] >= 0 && ids[i] < V) || ids[i] !== tok.ids[i]) throw new RnnkitError('INVALID_ARGUMENT', `input.ids[${i}]: expected an integer id in 0..${V - 1}, got ${describe(tok.ids[i])}`, { argument: `input.ids[${i}]` });
      }
      flowShape = [shape[0], shape[1], first.embeddingDim];
    } else {
      if (isTensor(input)) {
        if (input.backend !== be.name) throw new RnnkitError('BACKEND_MISMATCH', `input: expected a tensor on backend "${be.name}", got one on "${input.backend}"`, { argument: 'input' });
      } else if (isHost(input)) {
        if (input.data.length !== sizeOf(input.shape)) throw new RnnkitError('SHAPE_MISMATCH', `input: data has ${input.data.length} values but shape ${formatShape(input.shape)} needs ${sizeOf(input.shape)}`, { argument: 'input' });
        if (opts.checkFinite) checkFinite(input.data, 'input');
      } else {
        throw new RnnkitError('INVALID_ARGUMENT', `input: expected {data: Float32Array, shape} or a tensor, got ${describe(input)}`, { argument: 'input' });
      }
      flowShape = input.shape;
    }
    stateArg(opts.h0, 'h0');
    stateArg(opts.c0, 'c0');
    let checked = { T: 0, B: 0 } as { T: number; B: number; lengths?: Int32Array };
    // Linear layers before the first recurrent layer map features step by step.
    for (const l of this.spec.layers) {
      if (l.type === 'recurrent') break;
      if (l.type !== 'linear') continue;
      const F = flowShape[flowShape.length - 1];
      if (F !== l.inFeatures) {
        throw new RnnkitError('SHAPE_MISMATCH', `input: expected ${l.inFeatures} features in the last axis, got shape ${formatShape(flowShape)}`, { argument: 'input' });
      }
      flowShape = [...flowShape.slice(0, -1), l.outFeatures];
    }
    if (rec) {
      checked = checkRecurrentInputs(rec, flowShape, {
        ...(opts.lengths !== undefined ? { lengths: opts.lengths } : {}),
        ...(opts.h0 ? { h0Shape: opts.h0.shape } : {}),
        ...(opts.c0 ? { c0Shape: opts.c0.shape } : {}),
        ...(opts.maxSequenceLength !== undefined ? { maxSequenceLength: opts.maxSequenceLength } : {}),
      }, first.type === 'embedding' ? 'input (embedded)' : 'input');
    }

    // 2. Run.
    const training = opts.training ?? false;
    const dropoutRng = training ? new Rng(opts.dropoutSeed ?? (this.spec.seed ^ 0x0d0d) + this.passes++) : undefined;
    const upload = (v: SequenceInput | undefined) => (v === undefined ? undefined : isTensor(v) ? v : own(be.upload((v as HostTensor).data, v.shape)));
    const h0 = upload(opts.h0);
    const c0 = upload(opts.c0);
    const steps: LayerStep[] = [];
    const states: RecurrentState[] = [];
    const stateLayers: number[] = [];
    let flow: Flow;
    let startLayer = 0;
    if (first.type === 'embedding') {
      const st = runEmbedding(be, first, this.layerParamMap(0), ids!, flowShape.slice(0, 2) as [number, number], batchFirst, checked.lengths);
      steps.push(st);
      flow = st.out;
      startLayer = 1;
    } else {
      const x = isTensor(input) ? (input as Tensor) : own(be.upload((input as HostTensor).data, input.shape));
      flow = { x, kind: 'seq', B: checked.B, T: checked.T, batchFirst, ...(checked.lengths ? { lengths: checked.lengths } : {}) };
    }
    let firstRec = true;
    for (let i = startLayer; i < this.spec.layers.length; i++) {
      const spec = this.spec.layers[i];
      const ctx = {
        training,
        ...(dropoutRng ? { dropoutRng } : {}),
        ...(spec.type === 'recurrent' && firstRec && h0 ? { h0 } : {}),
        ...(spec.type === 'recurrent' && firstRec && c0 ? { c0 } : {}),
      };
      const st = runLayer(be, spec, this.layerParamMap(i), flow, ctx);
      if (spec.type === 'recurrent') {
        firstRec = false;
        states.push({ layer: i, hN: st.hN!, ...(st.cN ? { cN: st.cN } : {}) });
        stateLayers.push(steps.length);
      }
      steps.push(st);
      flow = st.out;
    }
    const output = flow.x;
    const intermediates = steps.slice(0, -1).map((s) => s.out.x);
    let disposed = false;
    const model = this;
    return {
      output,
      states,
      backward(upstream, bopts = {}) {
        if (!training) throw new RnnkitError('INVALID_ARGUMENT', 'backward: this pass ran without training: true, so nothing was kept for backward', { argument: 'training' });
        if (disposed) throw new RnnkitError('DISPOSED', 'backward: this forward pass was already disposed', { argument: 'pass' });
        const grads = new Map<string, Tensor>();
        const extra: Tensor[] = [];
        let d: Tensor | undefined = upstream.dOutput;
        let dh0: Tensor | undefined;
        let dc0: Tensor | undefined;
        for (let k = steps.length - 1; k >= 0; k--) {
          const layerIndex = k; // steps[k] ran spec.layers[k]
          const st = steps[k];
          const si = stateLayers.indexOf(k);
          const ds = si >= 0 ? upstream.dStates?.[si] : undefined;
          if (!st.backward) continue;
          if (!d && !ds?.hN && !ds?.cN && model.spec.layers[layerIndex].type !== 'recurrent') {
            continue;
          }
          // The first layer's dx is the input gradient: skipped when not wanted.
          const r = st.backward(d, ds?.hN, ds?.cN, k > 0 || bopts.inputGrad !== false);
          if (d && d !== upstream.dOutput) be.dispose(d);
          d = r.dx;
          for (const [n, g] of r.grads) grads.set(`${layerIndex}.${n}`, g);
          if (si === 0) {
            if (h0 || opts.h0) dh0 = r.dh0;
            else if (r.dh0) extra.push(r.dh0);
            if (c0 || opts.c0) dc0 = r.dc0;
            else if (r.dc0) extra.push(r.dc0);
          } else {
            if (r.dh0) extra.push(r.dh0);
            if (r.dc0) extra.push(r.dc0);
          }
        }
        for (const t of extra) be.dispose(t);
        const inputGrad = first.type === 'embedding' ? undefined : d;
        if (first.type === 'embedding' && d && d !== upstream.dOutput) be.dispose(d);
        return {
          params: grads,
          ...(inputGrad ? { input: inputGrad } : {}),
          ...(dh0 ? { h0: dh0 } : {}),
          ...(dc0 ? { c0: dc0 } : {}),
          dispose() {
            for (const g of grads.values()) be.dispose(g);
            for (const t of [inputGrad, dh0, dc0]) if (t) be.dispose(t);
          },
        };
      },
      dispose() {
        if (disposed) return;
        disposed = true;
        for (const s of steps) s.release?.();
        for (const t of intermediates) be.dispose(t);
        be.dispose(output);
        for (const s of states) {
          be.dispose(s.hN);
          if (s.cN) be.dispose(s.cN);
        }
        for (const t of owned) be.dispose(t);
      },
    };
  }

  /** Inference on host data: runs forward and reads the output back. */
  async predict(input: SequenceInput | TokenInput, opts: Omit<ForwardOptions, 'training'> = {}): Promise<HostTensor> {
    const pass = this.forward(input, { ...opts, training: false });
    try {
      return { data: await this.backend.read(pass.output), shape: [...pass.output.shape] };
    } finally {
      pass.dispose();
    }
  }

  private releaseDevice(): void {
    if (this.be && this.deviceParams) for (const t of this.deviceParams.values()) this.be.dispose(t);
    this.deviceParams = undefined;
  }

  /** Frees the parameters on the backend. */
  dispose(): void {
    this.releaseDevice();
    this.be = undefined;
  }
}

/** Builds a model from layers, torch.nn.Sequential style; input sizes are filled in from the previous layer. */
export function sequential(layers: readonly LayerDraft[], opts: { seed?: number } = {}): Model {
  const spec: ModelSpec = { format: 'rnnkit.model', version: 1, layers: resolveLayers(layers), seed: opts.seed ?? 0 };
  return new Model(spec);
}
