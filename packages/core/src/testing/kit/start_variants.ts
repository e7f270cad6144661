import type { Backend } from '../../backend/backend.js';
import { knownVariant } from '../../backend/known_backends.js';

/** One requested variant after `startBackendVariants`: started, or the reason it could not. */
export interface StartedVariant {
  /** The variant's label, as requested (`cpu-js`, `tfjs-wasm`, …). */
  label: string;
  /** The started backend (the caller destroys it); absent when it could not start. */
  backend?: Backend;
  /** Why it could not start (printed as the skip reason). */
  why: string;
}

/**
 * Starts backend variants of `KNOWN_BACKENDS` by label (`cpu`, `cpu-js`, `tfjs-wasm`, `webgpu`).
 * `importPackage` is the caller's `(name) => import(name)`: a package resolves from the caller's
 * dependencies, not core's (core depends on no backend). One that can't start
 * here is reported with its reason and printed as a skip — except under CI (`CI` set), where a
 * backend that can't start fails the suite.
 */
export async function startBackendVariants(labels: readonly string[], importPackage: (name: string) => Promise<unknown>): Promise<StartedVariant[]> {
  const out: StartedVariant[] = [];
  for (const label of labels) {
    try {
      const known = knownVariant(label);
      if (!known) throw new Error(`not a variant in KNOWN_BACKENDS`);
      const mod = (await importPackage(known.backend.package)) as Record<string, (options: unknown) => Promise<Backend>>;
      out.push({ label, backend: await mod[known.backend.createExport](known.variant.options), why: '' });
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      if (process.env.CI) throw new Error(`${label} could not start in CI: ${why}`);
      console.log(`skipped: ${label} can't start here: ${why}`);
      out.push({ label, why });
    }
  }
  return out;
}
