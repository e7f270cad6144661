/**
 * Starting rnnkit backends in the browser. Each package is imported only when its backend is
 * asked for, so the page loads fast and one that can't start (no WebGPU adapter) only disables
 * its option. tfjs runs on tfjs-backend-wasm with the .wasm binaries that Vite copies next to
 * the page (the `?url` imports): nothing is fetched from a CDN.
 */
import type { Backend } from '@rnnkit/core';
import { knownVariant } from '@rnnkit/core/backend';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { BackendName } from './shared.js';

/** tfjs-backend-wasm's file map: file name → URL served by this page. */
export const TFJS_WASM_FILES: Record<string, string> = {
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
};

const started = new Map<BackendName, Backend>();

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * One loader per package of core's KNOWN_BACKENDS (test/backends.test.ts checks that they
 * match). The imports are static strings so that Vite bundles each package as its own chunk.
 */
export const BACKEND_PACKAGES: Record<string, () => Promise<Record<string, unknown>>> = {
  '@rnnkit/backend-cpu': () => import('@rnnkit/backend-cpu'),
  '@rnnkit/backend-webgpu': () => import('@rnnkit/backend-webgpu'),
  '@rnnkit/backend-tfjs': () => import('@rnnkit/backend-tfjs'),
};

/** Starts a playground backend, a variant in KNOWN_BACKENDS, through its package's create export. */
async function start(name: BackendName): Promise<Backend> {
  const known = knownVariant(name);
  const load = known && BACKEND_PACKAGES[known.backend.package];
  if (!known || !load) throw new Error(`${name}: not a known backend variant`);
  const create = (await load())[known.backend.createExport] as (options: unknown) => Promise<Backend>;
  return create(name === 'tfjs-wasm' ? { ...known.variant.options, wasmPaths: TFJS_WASM_FILES } : known.variant.options);
}

/**
 * The backend `name`, started once and kept. The two tfjs engines share tfjs's global engine
 * state, so starting one destroys the other (`onReplace` disposes what lived on it first).
 */
export async function getBackend(name: BackendName, onReplace?: (old: Backend) => void): Promise<Backend> {
  const have = started.get(name);
  if (have) return have;
  const other: BackendName | undefined = name === 'tfjs-wasm' ? 'tfjs-cpu' : name === 'tfjs-cpu' ? 'tfjs-wasm' : undefined;
  const old = other ? started.get(other) : undefined;
  if (old && other) {
    onReplace?.(old);
    old.destroy();
    started.delete(other);
  }
  const be = await start(name);
  started.set(name, be);
  return be;
}

/** Starts the WebGPU backend to see whether it can run here; the reason when it can't. */
export async function probeWebgpu(): Promise<{ ok: boolean; detail: string }> {
  try {
    const be = await getBackend('webgpu');
    return { ok: true, detail: be.info().engine };
  } catch (e) {
    return { ok: false, detail: errorText(e) };
  }
}
