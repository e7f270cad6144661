/** Types and defaults shared by the page (main.ts) and the training worker (worker.ts). */

export type TaskName = 'forecast' | 'charlm' | 'seq2seq';
export type CellName = 'rnn' | 'lstm' | 'gru';
/** `tfjs-wasm` and `tfjs-cpu` are @rnnkit/backend-tfjs on tfjs-backend-wasm / tfjs-backend-cpu. */
export type BackendName = 'webgpu' | 'cpu' | 'tfjs-wasm' | 'tfjs-cpu';

export const TASKS: Record<TaskName, { label: string; seqLabel: string }> = {
  forecast: { label: 'Forecasting: next value of a noisy sine (many-to-one)', seqLabel: 'window' },
  charlm: { label: 'Character language model: nursery rhymes (one-to-many)', seqLabel: 'chunk length' },
  seq2seq: { label: 'Seq2seq: spell numbers out, 407 → "four zero seven"', seqLabel: 'max digits' },
};

export const BACKENDS: Record<BackendName, string> = {
  webgpu: 'WebGPU',
  cpu: 'CPU (JavaScript)',
  'tfjs-wasm': 'TensorFlow.js (wasm)',
  'tfjs-cpu': 'TensorFlow.js (cpu)',
};

export interface TrainConfig {
  task: TaskName;
  cell: CellName;
  backend: BackendName;
  hiddenSize: number;
  numLayers: number;
  /** Forecast window, char-LM chunk length, or the most digits of a seq2seq source. */
  seqLen: number;
  batchSize: number;
  /** Optimizer steps in one run. */
  steps: number;
  lr: number;
  seed: number;
}

export const DEFAULTS: Record<TaskName, Omit<TrainConfig, 'task' | 'cell' | 'backend'>> = {
  forecast: { hiddenSize: 24, numLayers: 1, seqLen: 24, batchSize: 32, steps: 200, lr: 0.01, seed: 1 },
  charlm: { hiddenSize: 64, numLayers: 1, seqLen: 32, batchSize: 32, steps: 300, lr: 0.01, seed: 1 },
  seq2seq: { hiddenSize: 48, numLayers: 1, seqLen: 3, batchSize: 50, steps: 300, lr: 0.01, seed: 1 },
};

/** What the page shows as the model's output. Forecast values are in the series' own units. */
export type TaskOutput =
  | { kind: 'forecast'; t: number[]; actual: number[]; oneStep: number[]; freeRun: (number | null)[]; freeRunFrom: number }
  | { kind: 'charlm'; samples: { prompt: string; text: string }[] }
  | { kind: 'seq2seq'; rows: { input: string; output: string; expected: string }[]; exact: number; tested: number };

/** ‖∂L/∂h_t‖ for each layer of the first recurrent layer, by distance T−1−t from the loss. */
export interface GradNorms {
  step: number;
  /** 1, 2, …: steps between h_t and the step the loss is taken at. */
  distance: number[];
  /** layers[l][i]: norm for layer l at distance[i]. */
  layers: number[][];
}

export interface ProbeTensor {
  type: 'float32' | 'int64';
  data: number[];
  shape: number[];
}

/** One model's output on a fixed input, for checking an ONNX export against the page. */
export interface Probe {
  /** The model this probe is for (`model` for single-model tasks, `encoder`/`decoder`). */
  model: string;
  /** ONNX graph inputs by name (`input`, and `h0`/`c0` for a seq2seq decoder). */
  inputs: Record<string, ProbeTensor>;
  output: { data: number[]; shape: number[] };
}

export interface BackendStatus {
  name: BackendName;
  ok: boolean;
  /** What runs (`webgpu (swiftshader)`, `tfjs-wasm`…) or why it can't. */
  detail: string;
}

export type DownloadKind = 'bundle' | 'spec' | 'weights' | 'onnx';

export interface FileOut {
  name: string;
  bytes: Uint8Array;
  mime: string;
}

export type ToWorker =
  | { type: 'probe-backends' }
  | { type: 'train'; config: TrainConfig; resume: boolean }
  | { type: 'stop' }
  | { type: 'download'; model: string; kind: DownloadKind }
  | { type: 'load'; files: { name: string; bytes: Uint8Array }[]; backend: BackendName };

export type FromWorker =
  | { type: 'backends'; backends: BackendStatus[] }
  | { type: 'status'; text: string }
  | { type: 'started'; config: TrainConfig; engine: string; parameters: number; models: string[]; firstStep: number; steps: number; resumed: boolean }
  | { type: 'step'; step: number; loss: number; gradNorm: number }
  | { type: 'grad'; norms: GradNorms }
  | { type: 'output'; output: TaskOutput }
  | { type: 'probe'; probes: Probe[] }
  | { type: 'done'; steps: number; seconds: number; stopped: boolean }
  | { type: 'loaded'; config: TrainConfig; engine: string; parameters: number; models: string[] }
  | { type: 'load-done'; files: string[] }
  | { type: 'file'; file: FileOut }
  | { type: 'error'; message: string };
