import type { HostTensor, Tensor } from '../tensor.js';
import type { Lengths } from './lengths.js';

export type { Lengths };

/** Float input: host data with a shape, or a tensor already on the model's backend. */
export type SequenceInput = HostTensor | Tensor;
/** Token ids for models that start with an embedding: [B, T] (or [T, B] when not batchFirst). */
export interface TokenInput {
  /** The ids, row-major, each in 0..numEmbeddings − 1; `ids.length` is the product of `shape`. */
  ids: Int32Array | readonly number[];
  /** `[B, T]`, or `[T, B]` when the model is not batchFirst. */
  shape: readonly [number, number];
}

/** Options of `model.forward`: masking, initial state, training mode and input checks. */
export interface ForwardOptions {
  /**
   * Per-sequence lengths (B); steps past a length are padding. An `Int32Array`, a `number[]` or
   * a `BigInt64Array` (PyTorch's int64 lengths), each entry in 1..T.
   */
  lengths?: Lengths;
  /** Initial state of the first recurrent layer, [numLayers*dirs, B, H]. */
  h0?: SequenceInput;
  /** LSTM only: initial cell state of the first recurrent layer, [numLayers*dirs, B, H]. */
  c0?: SequenceInput;
  /** Keep what backward needs and apply dropout. @defaultValue false */
  training?: boolean;
  /** Seed of this pass's dropout masks (defaults to a stream derived from the model's seed). */
  dropoutSeed?: number;
  /** Reject NaN and ±Infinity in host inputs before running. */
  checkFinite?: boolean;
  /**
   * The most time steps a sequence input may have; a longer one is a SHAPE_MISMATCH error
   * before anything is allocated. `Infinity` lifts the bound.
   * @defaultValue DEFAULT_MAX_SEQUENCE_LENGTH
   */
  maxSequenceLength?: number;
}

/** Options of `model.predict`: the forward options (no training), and whether to read the final states. */
export interface PredictOptions extends Omit<ForwardOptions, 'training'> {
  /**
   * Also read the final states back: `predict` then resolves to `{ output, hN, cN, states }`
   * (see `PredictionWithState`) instead of the output alone.
   * @defaultValue false
   */
  states?: boolean;
}

/** A recurrent layer's final state, read back to the host. */
export interface HostRecurrentState {
  /** Index of the recurrent layer in the model's layer list. */
  layer: number;
  /** h_n, [numLayers*numDirections, B, H] — the layout is time-major or not, h_n never is. */
  hN: HostTensor;
  /** c_n (LSTM only), same shape as `hN`. */
  cN?: HostTensor;
}

/**
 * `predict(x, { states: true })`: PyTorch's `output, (h_n, c_n) = lstm(x)`. `hN`/`cN` are the
 * first recurrent layer's (the one `h0`/`c0` start, so they can be passed back as `h0`/`c0`);
 * `states` holds every recurrent layer's, in layer order.
 */
export interface PredictionWithState {
  /** The model's output, as `predict` gives it without `states`. */
  output: HostTensor;
  /** h_n of the first recurrent layer, [numLayers*numDirections, B, H]. */
  hN: HostTensor;
  /** c_n of the first recurrent layer (LSTM only), same shape as `hN`. */
  cN?: HostTensor;
  /** Every recurrent layer's final state, in layer order. */
  states: HostRecurrentState[];
}

/** A recurrent layer's final state on the backend, as `ForwardPass.states` holds it (freed with the pass). */
export interface RecurrentState {
  /** Index of the recurrent layer in the model's layer list. */
  layer: number;
  /** h_n, `[numLayers*numDirections, B, H]` (never time-major). */
  hN: Tensor;
  /** c_n (LSTM only), same shape as `hN`. */
  cN?: Tensor;
}

/** What `ForwardPass.backward` returns: gradients on the backend, freed together by `dispose`. */
export interface Gradients {
  /** Gradients by parameter name (same names as `parameters()`). */
  params: Map<string, Tensor>;
  /** d loss / d input, for float inputs. */
  input?: Tensor;
  /** d loss / d h0 of the first recurrent layer, `[numLayers*dirs, B, H]`; present when the pass started from an `h0`. */
  h0?: Tensor;
  /** d loss / d c0 (LSTM only), same shape as `h0`; present when the pass started from a `c0`. */
  c0?: Tensor;
  /** Frees every gradient tensor here (`params`, `input`, `h0`, `c0`). */
  dispose(): void;
}

/** One forward pass. Dispose it when done; `backward` is there when it ran with `training`. */
export interface ForwardPass {
  /** The model's output on the backend: `[B, T, F]` per step (`[T, B, F]` when time-major) or `[B, F]` after `lastStep()`. */
  output: Tensor;
  /** Every recurrent layer's final state, in layer order. */
  states: RecurrentState[];
  /**
   * Upstream gradients: dOutput like `output`; dStates[i] for `states[i]`. `inputGrad: false`
   * skips d loss / d input (`Gradients.input` is then absent): a training step, whose input is
   * data, saves the first layer's dx GEMM that way.
   */
  backward(upstream: { dOutput?: Tensor; dStates?: { hN?: Tensor; cN?: Tensor }[] }, opts?: { inputGrad?: boolean }): Gradients;
  /** Frees the output, the states and what was kept for backward; gradients already returned stay the caller's. */
  dispose(): void;
}

/** A backend tensor names its backend; host data does not (backend tensors may carry a `data` field of their own). */
export function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && typeof (x as Tensor).backend === 'string' && 'shape' in x;
}

export function isHost(x: unknown): x is HostTensor {
  return typeof x === 'object' && x !== null && !isTensor(x) && 'shape' in x && (x as HostTensor).data instanceof Float32Array;
}
