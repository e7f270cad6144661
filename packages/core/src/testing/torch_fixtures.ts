import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { Backend } from '../backend/backend.js';
import type { CellKind } from '../cells.js';
import type { RecurrentSpec } from '../graph/spec.js';
import { backpropRecurrent, disposeRecurrentCache, runRecurrent } from '../model/recurrent_layer.js';
import type { Tensor } from '../tensor.js';
import { FORWARD_TOLERANCE, GRADIENT_TOLERANCE, scaledError } from './conformance.js';
import { coreFixturesPath, FIXTURES_HINT } from './fixtures_dir.js';

/**
 * Reference outputs and gradients written by PyTorch itself (torch.nn.RNN/LSTM/GRU in float64,
 * packed sequences for lengths) with scripts/torch_fixtures.py, committed under
 * packages/core/fixtures/torch. Node only (reads files).
 */
interface Flat {
  shape: number[];
  data: number[];
}

/**
 * One fixture file as scripts/torch_fixtures.py writes it: a layer configuration, its inputs,
 * and PyTorch's float64 outputs and gradients of L = Σ output⊙Ry + Σ h_n⊙Rh (+ Σ c_n⊙Rc).
 * Every tensor is `{ shape, data }`, data flat and row-major.
 */
export interface TorchFixture {
  /** The fixture's name (also its file name without `.json`). */
  name: string;
  /** `torch.__version__` of the PyTorch that wrote it. */
  torch_version: string;
  /** The cell; GRU fixtures use PyTorch's reset-after form. */
  cell: CellKind;
  /** Input features per step (D). */
  inputSize: number;
  /** Hidden size (H). */
  hiddenSize: number;
  /** Stacked layers (L). */
  numLayers: number;
  /** Both directions (dirs = 2) or forward only. */
  bidirectional: boolean;
  /** x and output are [B, T, ·] instead of [T, B, ·]. */
  batchFirst: boolean;
  /** The layer has bias vectors. */
  bias: boolean;
  /** Sequence length (steps). */
  T: number;
  /** Batch size. */
  B: number;
  /** Per-sequence lengths (packed sequences in PyTorch); null: every sequence is T long. */
  lengths: number[] | null;
  /** The input, [B, T, D] or [T, B, D] by `batchFirst`. */
  x: Flat;
  /** Initial hidden state [L·dirs, B, H]; null: zeros. */
  h0: Flat | null;
  /** Initial cell state [L·dirs, B, H] (LSTM); null: zeros or not an LSTM. */
  c0: Flat | null;
  /** Every parameter by PyTorch name (`weight_ih_l0`, …), PyTorch layouts. */
  params: Record<string, Flat>;
  /** Upstream gradient of output, output's shape. */
  Ry: Flat;
  /** Upstream gradient of h_n, h_n's shape. */
  Rh: Flat;
  /** Upstream gradient of c_n (LSTM); null otherwise. */
  Rc: Flat | null;
  /** PyTorch's output, [B, T, dirs·H] or [T, B, dirs·H]; zeros past each length. */
  output: Flat;
  /** PyTorch's final hidden state [L·dirs, B, H]. */
  h_n: Flat;
  /** PyTorch's final cell state [L·dirs, B, H] (LSTM); null otherwise. */
  c_n: Flat | null;
  /** dL/d of `x`, `h0`, `c0` and every parameter, by name; null where the input is null. */
  grads: Record<string, Flat | null>;
}

/** The folder of the committed PyTorch fixtures (`packages/core/fixtures/torch/`, trailing slash). */
export function torchFixturesDir(): string {
  return `${coreFixturesPath('torch')}/`;
}

/** Every committed PyTorch fixture; throws when the folder is missing or holds none. */
export function loadTorchFixtures(dir = torchFixturesDir()): TorchFixture[] {
  if (!existsSync(dir)) throw new Error(`torch fixtures: the folder ${dir} is missing: ${FIXTURES_HINT} (scripts/torch_fixtures.py writes it)`);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'index.json')
    .sort();
  if (files.length === 0) throw new Error(`torch fixtures: no fixture in ${dir}`);
  return files.map((f) => JSON.parse(readFileSync(dir + f, 'utf8')) as TorchFixture);
}

/** The recurrent spec a fixture was made with (no dropout; GRU reset-after, as PyTorch's). */
export function torchFixtureSpec(f: TorchFixture): RecurrentSpec {
  return {
    type: 'recurrent',
    cell: f.cell,
    inputSize: f.inputSize,
    hiddenSize: f.hiddenSize,
    numLayers: f.numLayers,
    bidirectional: f.bidirectional,
    dropout: 0,
    batchFirst: f.batchFirst,
    bias: f.bias,
    gruResetAfter: true,
  };
}

/** One fixture's outcome on a backend (`runTorchFixture`); errors use `scaledError`. */
export interface TorchFixtureResult {
  /** The fixture's name. */
  name: string;
  /** Worst scaled error of output, h_n and c_n against PyTorch's. */
  forwardError: number;
  /** Worst scaled error of any gradient; Infinity when the backend returned none for one PyTorch has. */
  gradError: number;
  /** Name of the gradient with the largest error (`x`, `h0`, `c0` or a parameter name). */
  worstGradient: string;
  /** forwardError ≤ `FORWARD_TOLERANCE` and gradError ≤ `GRADIENT_TOLERANCE`. */
  pass: boolean;
}

/** Runs a fixture's configuration on a backend and compares outputs and gradients with PyTorch's. */
export async function runTorchFixture(be: Backend, f: TorchFixture): Promise<TorchFixtureResult> {
  const spec = torchFixtureSpec(f);
  const held: Tensor[] = [];
  const up = (v: Flat) => {
    const t = be.upload(Float32Array.from(v.data), v.shape);
    held.push(t);
    return t;
  };
  const params = new Map<string, Tensor>();
  for (const [k, v] of Object.entries(f.params)) params.set(k, up(v));
  const fwd = runRecurrent(be, spec, params, up(f.x), {
    ...(f.h0 ? { h0: up(f.h0) } : {}),
    ...(f.c0 ? { c0: up(f.c0) } : {}),
    ...(f.lengths ? { lengths: Int32Array.from(f.lengths) } : {}),
    training: true,
  });
  held.push(fwd.output, fwd.hN, ...(fwd.cN ? [fwd.cN] : []));
  const g = backpropRecurrent(be, spec, fwd.cache!, { dOutput: up(f.Ry), dhN: up(f.Rh), ...(f.Rc ? { dcN: up(f.Rc) } : {}) });
  disposeRecurrentCache(fwd.cache!);
  held.push(...(g.dx ? [g.dx] : []), g.dh0, ...(g.dc0 ? [g.dc0] : []), ...g.grads.values());
  let forwardError = Math.max(scaledError(await be.read(fwd.output), f.output.data), scaledError(await be.read(fwd.hN), f.h_n.data));
  if (f.c_n && fwd.cN) forwardError = Math.max(forwardError, scaledError(await be.read(fwd.cN), f.c_n.data));
  let gradError = 0;
  let worstGradient = '';
  for (const [name, ref] of Object.entries(f.grads)) {
    if (!ref) continue;
    const t = name === 'x' ? g.dx : name === 'h0' ? g.dh0 : name === 'c0' ? g.dc0 : g.grads.get(name);
    const e = t ? scaledError(await be.read(t), ref.data) : Infinity;
    if (!(e <= gradError)) {
      gradError = e;
      worstGradient = name;
    }
  }
  for (const t of held) be.dispose(t);
  return { name: f.name, forwardError, gradError, worstGradient, pass: forwardError <= FORWARD_TOLERANCE && gradError <= GRADIENT_TOLERANCE };
}
