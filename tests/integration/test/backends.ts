import type { Backend } from '@rnnkit/core';
import { createCpuBackend } from '@rnnkit/backend-cpu';
import { createTfjsBackend } from '@rnnkit/backend-tfjs';
import { createWebgpuBackend } from '@rnnkit/backend-webgpu';

/** Every backend and engine the cross-backend suites run on, by label. */
export const BACKEND_STARTERS: Record<string, () => Promise<Backend>> = {
  'cpu-js': () => createCpuBackend({ simd: false }),
  'cpu (wasm simd)': () => createCpuBackend({ simd: true }),
  'tfjs-wasm': () => createTfjsBackend({ engine: 'wasm' }),
  'tfjs-cpu': () => createTfjsBackend({ engine: 'cpu' }),
  webgpu: () => createWebgpuBackend(),
};

export interface Started {
  label: string;
  backend?: Backend;
  /** Why it could not start (printed as a skip reason). */
  why: string;
}

/**
 * Starts the labelled backends. One that can't start here is reported as a skip with its
 * reason — except under CI, where it fails the suite.
 */
export async function startBackends(labels: readonly string[]): Promise<Started[]> {
  const out: Started[] = [];
  for (const label of labels) {
    try {
      out.push({ label, backend: await BACKEND_STARTERS[label](), why: '' });
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      if (process.env.CI) throw new Error(`${label} could not start in CI: ${why}`);
      console.log(`skipped: ${label} can't start here: ${why}`);
      out.push({ label, why });
    }
  }
  return out;
}
