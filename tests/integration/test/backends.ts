import type { Backend } from '@rnnkit/core';
import { knownVariant } from '@rnnkit/core/backend';

/**
 * Starts a backend variant from core's one list of known backends (`KNOWN_BACKENDS`: package,
 * create export, options) by its label: `cpu`, `cpu-js`, `tfjs-wasm`, `tfjs-cpu`, `webgpu`.
 */
export async function startVariant(label: string): Promise<Backend> {
  const known = knownVariant(label);
  if (!known) throw new Error(`${label}: not a variant in KNOWN_BACKENDS`);
  const mod = (await import(known.backend.package)) as Record<string, (o: unknown) => Promise<Backend>>;
  return mod[known.backend.createExport](known.variant.options);
}

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
      out.push({ label, backend: await startVariant(label), why: '' });
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      if (process.env.CI) throw new Error(`${label} could not start in CI: ${why}`);
      console.log(`skipped: ${label} can't start here: ${why}`);
      out.push({ label, why });
    }
  }
  return out;
}
