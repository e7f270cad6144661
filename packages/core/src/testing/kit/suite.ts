import type { Backend } from '../../backend/backend.js';
import { CELL_VARIANTS, conformanceCases, runConformanceCase } from '../conformance.js';
import { createReferenceBackend } from '../reference_backend/index.js';
import { compareTrainingRuns, runTrainingCase, TRAINING_TOLERANCE, torchTrainingRuns, trainingConformanceCases } from '../training_conformance.js';
import { errorCases } from './error_cases.js';
import { check } from './expect.js';
import { faultSweep } from './fault_injection.js';
import { fusedCases } from './fused_cases.js';
import { type KitCase, memoryCases, primitiveCases } from './primitive_cases.js';
import { reliabilityCases } from './reliability_cases.js';
import { replayTorchRun } from './torch_replay.js';

/** The test functions the kit registers with (vitest's, or any framework's of the same shape). */
export interface TestApi {
  describe(name: string, fn: () => void): void;
  it(name: string, fn: () => Promise<void>, timeout?: number): void;
  afterAll(fn: () => void | Promise<void>): void;
}

export const SUITE_PARTS = ['memory', 'primitives', 'errors', 'conformance', 'fused', 'training', 'faults', 'reliability'] as const;
export type SuitePart = (typeof SUITE_PARTS)[number];

export interface BackendSuiteOptions {
  /** Names the suite: `cpu (cpu-wasm-simd)`. */
  label: string;
  /** Starts a fresh backend. The suite starts one for its cases (and short-lived others) and destroys them. */
  create(): Promise<Backend>;
  /** The parts to run (all by default). A backend leaving one out says why in `omitted`. */
  parts?: readonly SuitePart[];
  /** Each omitted part with its reason; the kit registers a test per part that prints it. */
  omitted?: Partial<Record<SuitePart, string>>;
  /** Per-test timeout in ms for the slow parts (conformance, training, faults) on slow engines. */
  timeout?: number;
  /**
   * The engine's own resources in use (GPU buffers handed out, tfjs tensors), when they can
   * differ from `liveTensors()`: the reliability part checks that every failed call and every
   * dispose order brings this back too, not only the tensor count.
   */
  resources?(be: Backend): number;
}

/**
 * Registers a backend's whole shared test suite: memory and every primitive against float64
 * formulas, the same bad calls giving the same RnnkitError everywhere, the 230 conformance cases,
 * fused kernels against core's composite ones, the training conformance and the PyTorch
 * training replay, a fault injected at every kernel call of a recurrent pass with leak
 * checks, and the reliability promises of docs/reliability.md (limits, the non-finite training
 * guard, all-or-nothing public calls, dispose order, one training call at a time). A backend package's suite is one call of this plus its own special cases.
 */
export function runBackendSuite(t: TestApi, o: BackendSuiteOptions): void {
  const parts = new Set<SuitePart>(o.parts ?? SUITE_PARTS.filter((p) => !(o.omitted && p in o.omitted)));
  let started: Promise<Backend> | undefined;
  const backend = () => (started ??= o.create());
  const register = (group: string, cases: KitCase[], timeout?: number) =>
    t.describe(`${o.label}: ${group}`, () => {
      for (const c of cases) t.it(c.name, async () => c.run(await backend()), timeout);
    });

  t.afterAll(async () => {
    if (started) (await started).destroy();
  });
  for (const [part, why] of Object.entries(o.omitted ?? {})) {
    t.describe(`${o.label}: ${part}`, () => {
      t.it(`not run on this backend: ${why}`, async () => {
        console.log(`[${o.label}] kit part "${part}" not run: ${why}`);
      });
    });
  }
  if (parts.has('memory')) register('memory', memoryCases());
  if (parts.has('primitives')) register('primitives (against float64 formulas)', primitiveCases());
  if (parts.has('errors')) register('bad calls (the same RnnkitError on every backend)', errorCases(o.create));
  if (parts.has('conformance')) {
    register(
      'conformance (190 cases against the float64 reference)',
      conformanceCases().map((c) => ({
        name: c.name,
        async run(be) {
          const r = await runConformanceCase(be, c);
          check(r.pass, JSON.stringify(r));
        },
      })),
      o.timeout,
    );
  }
  if (parts.has('fused')) register('fused kernels against composite ones', fusedCases(), o.timeout);
  if (parts.has('training')) {
    register(
      'training conformance (against the reference backend)',
      [
        ...trainingConformanceCases().map((c) => ({
          name: c.name,
          async run(be: Backend) {
            const reference = createReferenceBackend();
            try {
              const mine = await runTrainingCase(be, c);
              const ref = await runTrainingCase(reference, c);
              check(mine.leakedTensors === 0, `${mine.leakedTensors} tensors leaked`);
              const d = compareTrainingRuns(mine, ref);
              check(d.paramError < TRAINING_TOLERANCE && d.lossError < TRAINING_TOLERANCE, `against the reference backend: ${JSON.stringify(d)}`);
            } finally {
              reference.destroy();
            }
          },
        })),
        ...torchTrainingRuns().map((r) => ({
          name: `PyTorch run ${r.name} replays (losses and final parameters within 1e-5)`,
          async run(be: Backend) {
            const d = await replayTorchRun(be, r);
            check(d.lossError < 1e-5 && d.paramError < 1e-5, `against PyTorch: ${JSON.stringify(d)}`);
          },
        })),
      ],
      o.timeout,
    );
  }
  if (parts.has('faults')) {
    register(
      'a fault at every kernel call leaks nothing',
      CELL_VARIANTS.flatMap((v) =>
        [false, true].map((composite) => ({
          name: `${v}, ${composite ? 'composite' : 'fused'} kernels, forward and backward`,
          async run(be: Backend) {
            const calls = await faultSweep(be, v, composite);
            check(calls > 5, `only ${calls} calls were made`);
          },
        })),
      ),
      o.timeout,
    );
  }
  if (parts.has('reliability'))
    register(
      'reliability (limits, non-finite guard, all-or-nothing calls, lifecycles)',
      reliabilityCases(o.resources ? { resources: o.resources } : {}),
      o.timeout,
    );
}
