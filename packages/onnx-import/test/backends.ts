import type { Backend } from '@rnnkit/core';
import { createCpuBackend } from '@rnnkit/backend-cpu';
import { createTfjsBackend } from '@rnnkit/backend-tfjs';
import { createWebgpuBackend } from '@rnnkit/backend-webgpu';

/** The three backends every fixture runs on. */
const STARTERS: Record<string, () => Promise<Backend>> = {
  cpu: () => createCpuBackend(),
  tfjs: () => createTfjsBackend(),
  webgpu: () => createWebgpuBackend(),
};

export interface Started {
  label: string;
  backend?: Backend;
  /** Why it could not start (printed as the skip reason). */
  why: string;
}

/**
 * Starts every backend. One that cannot start here (no WebGPU adapter) is a printed skip with
 * its reason — except under CI, where it fails the suite.
 */
export async function startBackends(): Promise<Started[]> {
  const out: Started[] = [];
  for (const [label, start] of Object.entries(STARTERS)) {
    try {
      out.push({ label, backend: await start(), why: '' });
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      if (process.env.CI) throw new Error(`${label} could not start in CI: ${why}`);
      console.log(`skipped: ${label} can't start here: ${why}`);
      out.push({ label, why });
    }
  }
  return out;
}
