import { RnnkitError } from '@rnnkit/core';
import type { Tf } from './tf.js';

/** Which TensorFlow.js engine runs the kernels. */
export type TfjsEngineKind = 'node' | 'wasm' | 'cpu';

/** Names reported by `info().engine`, by engine kind. */
export const ENGINE_LABELS: Record<TfjsEngineKind, string> = { node: 'tfjs-node', wasm: 'tfjs-wasm', cpu: 'tfjs-cpu' };

/** The tfjs backend name each engine registers (`tf.setBackend(name)`). */
const TF_BACKEND_NAMES: Record<TfjsEngineKind, string> = { node: 'tensorflow', wasm: 'wasm', cpu: 'cpu' };

export interface EngineOptions {
  /** Force one engine; without it: node, then wasm, then cpu, the first that starts. */
  engine?: TfjsEngineKind;
  /**
   * Where the tfjs-backend-wasm binaries are (a folder prefix ending in `/`, or tfjs's file map).
   * In Node the installed package's own `dist/` folder is used; in a browser, without this,
   * tfjs looks beside its script. Nothing is downloaded from elsewhere.
   */
  wasmPaths?: string | Record<string, string>;
}

export interface StartedEngine {
  tf: Tf;
  kind: TfjsEngineKind;
  /** tfjs backend name: `tensorflow`, `wasm`, `cpu`. */
  tfBackendName: string;
  /** wasm only: whether SIMD and threads are in use. */
  wasm?: { simd: boolean; threads: boolean };
  /** Engines tried first that could not start, with the reason (auto selection only). */
  skipped: string[];
}

const isNode = (): boolean => typeof process !== 'undefined' && typeof process.versions?.node === 'string';

let tfPromise: Promise<Tf> | undefined;
function loadTf(): Promise<Tf> {
  tfPromise ??= import('@tensorflow/tfjs-core').then((m) => m as unknown as Tf);
  return tfPromise;
}

/** Why tfjs-node could not load here, remembered so later calls don't import it again. */
let nodeFailure: string | undefined;

async function startNode(tf: Tf): Promise<void> {
  if (nodeFailure !== undefined) throw new Error(nodeFailure);
  // A variable specifier keeps bundlers from pulling the optional native package into browser builds.
  const specifier = '@tensorflow/tfjs-node';
  try {
    await import(/* @vite-ignore */ specifier);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    nodeFailure = `@tensorflow/tfjs-node did not load (${msg.split('\n')[0]})`;
    throw new Error(nodeFailure);
  }
  if (!(await tf.setBackend('tensorflow'))) {
    throw new Error('@tensorflow/tfjs-node loaded but its "tensorflow" backend did not initialize');
  }
}

let wasmPathsSet = false;

async function startWasm(tf: Tf, opts: EngineOptions): Promise<{ simd: boolean; threads: boolean }> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (!tf.findBackend('wasm')) {
    if (opts.wasmPaths !== undefined) {
      wasm.setWasmPaths(opts.wasmPaths as string);
      wasmPathsSet = true;
    } else if (!wasmPathsSet && isNode()) {
      // Variable specifiers keep bundlers from pulling Node built-ins into browser builds.
      const nodeModule = 'node:module';
      const nodePath = 'node:path';
      const { createRequire } = (await import(/* @vite-ignore */ nodeModule)) as typeof import('node:module');
      const { dirname } = (await import(/* @vite-ignore */ nodePath)) as typeof import('node:path');
      const main = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths(`${dirname(main)}/`);
      wasmPathsSet = true;
    }
  }
  if (!(await tf.setBackend('wasm'))) {
    throw new Error('@tensorflow/tfjs-backend-wasm did not initialize (its .wasm binary could not be loaded)');
  }
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const threads = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
  return { simd, threads };
}

async function startCpu(tf: Tf): Promise<void> {
  await import('@tensorflow/tfjs-backend-cpu');
  if (!(await tf.setBackend('cpu'))) throw new Error('@tensorflow/tfjs-backend-cpu did not initialize');
}

async function startOne(tf: Tf, kind: TfjsEngineKind, opts: EngineOptions): Promise<StartedEngine> {
  const base = { tf, kind, tfBackendName: TF_BACKEND_NAMES[kind], skipped: [] };
  switch (kind) {
    case 'node':
      await startNode(tf);
      return base;
    case 'wasm':
      return { ...base, wasm: await startWasm(tf, opts) };
    case 'cpu':
      await startCpu(tf);
      return base;
  }
}

let warnedWasmFallback = false;

/**
 * Says loudly, once per process, that auto selection fell back past tfjs-wasm to tfjs-cpu (often
 * 10× slower), with the fix: usually the .wasm files were not served next to the bundle.
 */
function warnWasmFallback(reasons: string[]): void {
  if (warnedWasmFallback) return;
  warnedWasmFallback = true;
  const why = reasons.find((r) => r.startsWith(`${ENGINE_LABELS.wasm}:`)) ?? '';
  console.warn(
    `@rnnkit/backend-tfjs: ${why}; running on tfjs-cpu instead, which is much slower. ` +
      'Fix: serve the .wasm files of @tensorflow/tfjs-backend-wasm (node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm) ' +
      "and pass their folder, e.g. createTfjsBackend({ wasmPaths: '/assets/tfjs-wasm/' }); " +
      "or choose tfjs-cpu yourself with { engine: 'cpu' } to silence this warning.",
  );
}

/**
 * Starts the asked engine, or the first of node → wasm → cpu that starts. Throws
 * RnnkitError('BACKEND_UNAVAILABLE') listing every reason when none (or the forced one) can't.
 */
export async function startEngine(opts: EngineOptions = {}): Promise<StartedEngine> {
  if (opts.engine !== undefined && !(opts.engine in TF_BACKEND_NAMES)) {
    throw new RnnkitError('INVALID_ARGUMENT', `options.engine: expected one of "node", "wasm", "cpu", got ${JSON.stringify(opts.engine)}`, {
      argument: 'options.engine',
    });
  }
  const order: TfjsEngineKind[] = opts.engine ? [opts.engine] : ['node', 'wasm', 'cpu'];
  const tf = await loadTf();
  const reasons: string[] = [];
  for (const kind of order) {
    try {
      const started = await startOne(tf, kind, opts);
      if (kind === 'cpu' && reasons.some((r) => r.startsWith(`${ENGINE_LABELS.wasm}:`))) warnWasmFallback(reasons);
      return { ...started, skipped: [...reasons] };
    } catch (e) {
      reasons.push(`${ENGINE_LABELS[kind]}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  throw new RnnkitError('BACKEND_UNAVAILABLE', `tfjs backend: no engine could start — ${reasons.join('; ')}`, {
    argument: 'options.engine',
  });
}
