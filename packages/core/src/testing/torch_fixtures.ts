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

export interface TorchFixture {
  name: string;
  torch_version: string;
  cell: CellKind;
  inputSize: number;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
  batchFirst: boolean;
  bias: boolean;
  T: number;
  B: number;
  lengths: number[] | null;
  x: Flat;
  h0: Flat | null;
  c0: Flat | null;
  params: Record<string, Flat>;
  Ry: Flat;
  Rh: Flat;
  Rc: Flat | null;
  output: Flat;
  h_n: Flat;
  c_n: Flat | null;
  grads: Record<string, Flat | null>;
}

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

export interface TorchFixtureResult {
  name: string;
  forwardError: number;
  gradError: number;
  worstGradient: string;
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
