import type { Backend } from '../backend/backend.js';
import { asRnnkitError, RnnkitError } from '../errors.js';
import type { ModelSpec } from '../graph/spec.js';
import type { HostTensor, Tensor } from '../tensor.js';
import type { Rng } from '../util/rng.js';
import type { CheckedForward } from './forward_inputs.js';
import type { ForwardOptions, ForwardPass, Gradients, RecurrentState, SequenceInput, TokenInput } from './forward_types.js';
import { isTensor } from './forward_types.js';
import type { Flow, LayerStep } from './layers.js';
import { runEmbedding, runLayer } from './layers.js';

export interface PassInputs {
  be: Backend;
  spec: ModelSpec;
  /** Layer i's parameters by their names within the layer. */
  layerParams(i: number): Map<string, Tensor>;
  input: SequenceInput | TokenInput;
  opts: ForwardOptions;
  checked: CheckedForward;
  training: boolean;
  dropoutRng?: Rng;
}

/**
 * Uploads the (checked) inputs and runs every layer. If a layer throws, everything this pass
 * made so far is released before the error goes on.
 */
export function runForwardPass(p: PassInputs): ForwardPass {
  const { be, spec, opts, checked } = p;
  const owned: Tensor[] = []; // uploads this pass made, released with it
  const steps: LayerStep[] = [];
  const states: RecurrentState[] = [];
  const stateLayers: number[] = [];
  const upload = (v: SequenceInput | undefined) => {
    if (v === undefined || isTensor(v)) return v;
    const t = be.upload((v as HostTensor).data, v.shape);
    owned.push(t);
    return t;
  };
  const release = () => {
    for (const s of steps) {
      s.release?.();
      be.dispose(s.out.x);
    }
    for (const s of states) {
      be.dispose(s.hN);
      if (s.cN) be.dispose(s.cN);
    }
    for (const t of owned) be.dispose(t);
  };
  try {
    const h0 = upload(opts.h0);
    const c0 = upload(opts.c0);
    const first = spec.layers[0];
    let flow: Flow;
    let startLayer = 0;
    if (first.type === 'embedding') {
      const st = runEmbedding(
        be,
        first,
        p.layerParams(0),
        checked.ids!,
        checked.flowShape.slice(0, 2) as [number, number],
        checked.batchFirst,
        checked.lengths,
      );
      steps.push(st);
      flow = st.out;
      startLayer = 1;
    } else {
      const x = upload(p.input as SequenceInput)!;
      flow = { x, kind: 'seq', B: checked.B, T: checked.T, batchFirst: checked.batchFirst, ...(checked.lengths ? { lengths: checked.lengths } : {}) };
    }
    let firstRecurrent = true;
    for (let i = startLayer; i < spec.layers.length; i++) {
      const layer = spec.layers[i];
      const isFirstRecurrent = layer.type === 'recurrent' && firstRecurrent;
      const ctx = {
        training: p.training,
        ...(p.dropoutRng ? { dropoutRng: p.dropoutRng } : {}),
        ...(isFirstRecurrent && h0 ? { h0 } : {}),
        ...(isFirstRecurrent && c0 ? { c0 } : {}),
      };
      const st = runLayer(be, layer, p.layerParams(i), flow, ctx);
      if (layer.type === 'recurrent') {
        firstRecurrent = false;
        states.push({ layer: i, hN: st.hN!, ...(st.cN ? { cN: st.cN } : {}) });
        stateLayers.push(steps.length);
      }
      steps.push(st);
      flow = st.out;
    }
    return new ModelPass(p, steps, states, stateLayers, owned, { h0, c0 });
  } catch (e) {
    try {
      release();
    } catch {
      // a destroyed backend took its tensors with it; the first error is the one to report
    }
    throw asRnnkitError(e, 'forward');
  }
}

/** A finished forward pass: its output and final states, and the backward through its layers. */
class ModelPass implements ForwardPass {
  readonly output: Tensor;
  private disposed = false;

  constructor(
    private readonly p: PassInputs,
    private readonly steps: LayerStep[],
    readonly states: RecurrentState[],
    /** For each entry of `states`, the index of its step. */
    private readonly stateLayers: number[],
    private readonly owned: Tensor[],
    private readonly initial: { h0?: Tensor; c0?: Tensor },
  ) {
    this.output = steps[steps.length - 1].out.x;
  }

  /** Walks the layers in reverse; see `ForwardPass.backward`. */
  backward(upstream: { dOutput?: Tensor; dStates?: { hN?: Tensor; cN?: Tensor }[] }, bopts: { inputGrad?: boolean } = {}): Gradients {
    const { be, spec, opts } = this.p;
    if (!this.p.training)
      throw new RnnkitError('INVALID_ARGUMENT', 'backward: this pass ran without training: true, so nothing was kept for backward', { argument: 'training' });
    if (this.disposed) throw new RnnkitError('DISPOSED', 'backward: this forward pass was already disposed', { argument: 'pass' });
    const grads = new Map<string, Tensor>();
    const extra: Tensor[] = [];
    let d: Tensor | undefined = upstream.dOutput;
    let dh0: Tensor | undefined;
    let dc0: Tensor | undefined;
    try {
      for (let k = this.steps.length - 1; k >= 0; k--) {
        const st = this.steps[k]; // steps[k] ran spec.layers[k]
        const si = this.stateLayers.indexOf(k);
        const ds = si >= 0 ? upstream.dStates?.[si] : undefined;
        if (!st.backward) continue;
        if (!d && !ds?.hN && !ds?.cN && spec.layers[k].type !== 'recurrent') continue;
        // The first layer's dx is the input gradient: skipped when not wanted.
        const r = st.backward(d, ds?.hN, ds?.cN, k > 0 || bopts.inputGrad !== false);
        if (d && d !== upstream.dOutput) be.dispose(d);
        d = r.dx;
        for (const [n, g] of r.grads) grads.set(`${k}.${n}`, g);
        if (si === 0) {
          if (this.initial.h0 || opts.h0) dh0 = r.dh0;
          else if (r.dh0) extra.push(r.dh0);
          if (this.initial.c0 || opts.c0) dc0 = r.dc0;
          else if (r.dc0) extra.push(r.dc0);
        } else {
          if (r.dh0) extra.push(r.dh0);
          if (r.dc0) extra.push(r.dc0);
        }
      }
    } catch (e) {
      // A failed backward leaves nothing of its own behind: the pass itself stays as it was.
      for (const t of [...grads.values(), ...extra, dh0, dc0, d !== upstream.dOutput ? d : undefined]) {
        if (!t) continue;
        try {
          be.dispose(t);
        } catch {
          // already gone with a destroyed backend
        }
      }
      throw asRnnkitError(e, 'backward');
    }
    for (const t of extra) be.dispose(t);
    const embedded = spec.layers[0].type === 'embedding';
    const inputGrad = embedded ? undefined : d;
    if (embedded && d && d !== upstream.dOutput) be.dispose(d);
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
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const be = this.p.be;
    for (const s of this.steps) s.release?.();
    for (const s of this.steps.slice(0, -1)) be.dispose(s.out.x);
    be.dispose(this.output);
    for (const s of this.states) {
      be.dispose(s.hN);
      if (s.cN) be.dispose(s.cN);
    }
    for (const t of this.owned) be.dispose(t);
  }
}
