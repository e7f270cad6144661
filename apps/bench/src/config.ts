import type { BackendName } from './discover.js';
import { BACKEND_NAMES } from './discover.js';

/**
 * What a run measures. Three modes: `tiny` (the smoke test), `quick` (the default, under three
 * minutes on a 2-core machine) and `full` (everything the issue asks for). Flags narrow any mode.
 */

export const SPEED_CELLS = ['rnn_tanh', 'lstm', 'gru'] as const;
export type SpeedCell = (typeof SPEED_CELLS)[number];

/** D input features, H hidden units, T steps, B batch. */
export interface BenchShape {
  D: number;
  H: number;
  T: number;
  B: number;
}

export const STANDARD_SHAPES: readonly BenchShape[] = [
  { D: 32, H: 128, T: 128, B: 1 },
  { D: 32, H: 128, T: 128, B: 32 },
  { D: 128, H: 256, T: 128, B: 32 },
  { D: 256, H: 512, T: 64, B: 64 },
];

export function shapeLabel(s: BenchShape): string {
  return `${s.D},${s.H},${s.T},${s.B}`;
}

/** Parses `D,H,T,B` (or `DxHxTxB`). */
export function parseShape(text: string): BenchShape {
  const parts = text.split(/[,x]/).map((p) => Number(p.trim()));
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 1)) {
    throw new Error(`--shapes: expected D,H,T,B with positive integers (e.g. 32,128,128,32), got "${text}"`);
  }
  const [D, H, T, B] = parts;
  return { D, H, T, B };
}

export type Mode = 'tiny' | 'quick' | 'full';

export interface SeriesConfig {
  /** The shape every point starts from; one of T or H varies. */
  base: BenchShape;
  T: number[];
  H: number[];
  cells: SpeedCell[];
  training: boolean;
}

export interface BenchConfig {
  mode: Mode;
  backends: BackendName[];
  tfjsEngine?: 'node' | 'wasm' | 'cpu';
  cells: SpeedCell[];
  shapes: BenchShape[];
  conformance: {
    enabled: boolean;
    /** Which of core's conformanceCases(): all of them, or a named subset (see conformance.ts). */
    cases: 'all' | 'quick' | 'tiny';
    /** Export each case and run it in onnxruntime-node. */
    onnx: boolean;
    /** Seconds of conformance per backend; cases past it are skipped (not failed). None: no limit. */
    budgetS?: number;
  };
  speed: {
    enabled: boolean;
    /** Warm-up runs, and warm-up time in ms (both floors; see timing.ts). */
    warmup: number;
    warmupMs: number;
    /** Timed runs, and timed ms (both floors: a fast operation gets more runs). */
    repeats: number;
    minMs: number;
    /** Stop repeating one measurement once it has used this much time (at least one run is kept). */
    budgetMs: number;
    /**
     * Rounds of the whole speed section (every backend's process, then the anchors); each
     * figure is the median of the rounds' medians. On a shared machine the load moves over
     * minutes, so rounds spread every engine over the same stretch of time.
     */
    rounds: number;
    training: boolean;
    /**
     * Also time int8 inference (`quantizedRecurrentForward` on the workload's weights quantized
     * by core's `quantizeRows`) on every backend whose int8 kernels are its own
     * (`info().quantized === 'native'`): a `<label> int8` row beside each float32 forward.
     */
    int8: boolean;
  };
  anchors: {
    onnxruntime: boolean;
    onnxThreads: number[];
    tfjsLayers: boolean;
  };
  series?: SeriesConfig;
  outDir: string;
  seed: number;
}

export function defaultConfig(mode: Mode, outDir: string): BenchConfig {
  const common = {
    mode,
    backends: [...BACKEND_NAMES],
    cells: [...SPEED_CELLS],
    outDir,
    seed: 1234,
    anchors: { onnxruntime: true, onnxThreads: [1, 2], tfjsLayers: true },
  };
  switch (mode) {
    case 'tiny':
      return {
        ...common,
        cells: ['lstm'],
        shapes: [{ D: 8, H: 16, T: 8, B: 2 }],
        conformance: { enabled: true, cases: 'tiny', onnx: true },
        speed: { enabled: true, warmup: 0, warmupMs: 0, repeats: 1, minMs: 0, budgetMs: 2_000, rounds: 1, training: true, int8: true },
        series: { base: { D: 8, H: 16, T: 8, B: 2 }, T: [4, 8], H: [8, 16], cells: ['lstm'], training: false },
      };
    case 'quick':
      return {
        ...common,
        shapes: STANDARD_SHAPES.slice(0, 2),
        conformance: { enabled: true, cases: 'quick', onnx: true, budgetS: 45 },
        speed: { enabled: true, warmup: 1, warmupMs: 250, repeats: 5, minMs: 250, budgetMs: 1_000, rounds: 1, training: true, int8: true },
        series: { base: { D: 32, H: 128, T: 64, B: 32 }, T: [16, 64, 256], H: [64, 128, 256], cells: ['lstm'], training: false },
      };
    case 'full':
      return {
        ...common,
        shapes: [...STANDARD_SHAPES],
        conformance: { enabled: true, cases: 'all', onnx: true },
        speed: { enabled: true, warmup: 2, warmupMs: 1_000, repeats: 10, minMs: 1_000, budgetMs: 20_000, rounds: 1, training: true, int8: true },
        series: {
          base: { D: 32, H: 128, T: 128, B: 32 },
          T: [16, 32, 64, 128, 256, 512],
          H: [32, 64, 128, 256, 512],
          cells: [...SPEED_CELLS],
          training: true,
        },
      };
  }
}
