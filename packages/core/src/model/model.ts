import type { Backend } from '../backend/backend.js';
import { BACKEND_SPEC_VERSION } from '../backend/backend.js';
import { RnnkitError, describe } from '../errors.js';
import type { LayerDraft } from '../graph/builders.js';
import { resolveLayers } from '../graph/builders.js';
import type { ModelSpec, RecurrentSpec } from '../graph/spec.js';
import { validateModelSpec } from '../graph/validate.js';
import { initParams } from '../params/init.js';
import type { ParamInfo } from '../params/names.js';
import { layerParams, modelParams } from '../params/names.js';
import type { HostTensor, Tensor } from '../tensor.js';
import { formatShape, shapeEquals, sizeOf } from '../tensor.js';
import { Rng } from '../util/rng.js';
import { checkForwardInputs } from './forward_inputs.js';
import { runForwardPass } from './forward_pass.js';
import type { ForwardOptions, ForwardPass, SequenceInput, TokenInput } from './forward_types.js';

export type { SequenceInput, TokenInput, ForwardOptions, RecurrentState, Gradients, ForwardPass } from './forward_types.js';

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
    if (backend === null || typeof backend !== 'object' || backend.specificationVersion !== BACKEND_SPEC_VERSION) {
      const v = backend !== null && typeof backend === 'object' ? (backend as { specificationVersion?: unknown }).specificationVersion : undefined;
      throw new RnnkitError('BACKEND_UNAVAILABLE', `backend: expected a backend speaking interface "${BACKEND_SPEC_VERSION}" (made by defineBackend), got ${describe(v ?? backend)}`, {
        argument: 'backend',
      });
    }
    const uploaded = new Map<string, Tensor>();
    try {
      for (const p of this.infos) uploaded.set(p.name, backend.upload(this.hostParams.get(p.name)!, p.shape));
    } catch (e) {
      for (const t of uploaded.values()) backend.dispose(t); // a failed move leaves nothing behind
      throw e;
    }
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
   * Runs the model: checks every input (`checkForwardInputs`), then uploads and runs the layers
   * (`runForwardPass`). Everything is checked before any work is queued, and a pass that fails
   * part-way releases what it made, so a bad call leaves the model and backend as they were.
   */
  forward(input: SequenceInput | TokenInput, opts: ForwardOptions = {}): ForwardPass {
    const be = this.backend;
    const checked = checkForwardInputs(this.spec, be, input, opts);
    const training = opts.training ?? false;
    const dropoutRng = training ? new Rng(opts.dropoutSeed ?? (this.spec.seed ^ 0x0d0d) + this.passes++) : undefined;
    return runForwardPass({ be, spec: this.spec, layerParams: (i) => this.layerParamMap(i), input, opts, checked, training, dropoutRng });
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
