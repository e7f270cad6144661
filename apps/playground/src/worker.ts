/// <reference lib="webworker" />
/**
 * The training worker: builds the task's model on the chosen backend, trains it with core's
 * `fit`, and reports every step, the gradient flow, the model's output and ONNX probes to the
 * page. Training here keeps the page responsive whatever the backend does on the main thread's
 * behalf (the CPU and tfjs backends compute synchronously).
 */
import type { Backend } from '@rnnkit/core';
import { adam, cosineWithWarmup, fit } from '@rnnkit/core';
import { getBackend, probeWebgpu } from './backends.js';
import { modelFile, readModelFiles } from './files.js';
import { hiddenStateGradients } from './gradients.js';
import type { BackendName, BackendStatus, DownloadKind, FromWorker, ToWorker, TrainConfig } from './shared.js';
import type { TaskRuntime } from './tasks.js';
import { createTask } from './tasks.js';

declare const self: DedicatedWorkerGlobalScope;

const post = (m: FromWorker, transfer: Transferable[] = []) => self.postMessage(m, transfer);
/** Lets queued messages (a Stop click) in between steps: the CPU backends never await anything real. */
const yieldToEvents = () => new Promise<void>((r) => setTimeout(r, 0));

let session: { task: TaskRuntime; backend: Backend; steps: number } | undefined;
let stopRequested = false;
let busy = false;

function parameterCount(task: TaskRuntime): number {
  let n = 0;
  for (const { model } of task.models) for (const p of model.parameterInfo()) n += p.shape.reduce((a, b) => a * b, 1);
  return n;
}

function dropSession(): void {
  session?.task.dispose();
  session = undefined;
}

async function backendFor(name: BackendName): Promise<Backend> {
  return getBackend(name, (old) => {
    if (session?.backend === old) dropSession();
  });
}

async function reportGradients(task: TaskRuntime, step: number): Promise<void> {
  const g = await hiddenStateGradients(await task.gradientProbe());
  post({ type: 'grad', norms: { step, distance: g.distance, layers: g.norms } });
}

async function reportResults(task: TaskRuntime): Promise<void> {
  post({ type: 'status', text: 'computing the model output…' });
  post({ type: 'output', output: await task.output() });
  post({ type: 'probe', probes: await task.probes() });
}

async function train(config: TrainConfig, resume: boolean): Promise<void> {
  const t0 = performance.now();
  stopRequested = false;
  post({ type: 'status', text: `starting ${config.backend}…` });
  const backend = await backendFor(config.backend);
  const resumed = Boolean(resume && session && session.backend === backend && session.task.config.task === config.task);
  if (!resumed) {
    dropSession();
    session = { task: createTask(config, backend), backend, steps: 0 };
  }
  const s = session!;
  const task = s.task;
  const first = s.steps;
  post({
    type: 'started',
    config: task.config,
    engine: backend.info().engine,
    parameters: parameterCount(task),
    models: task.models.map((m) => m.role),
    firstStep: first,
    steps: config.steps,
    resumed,
  });
  await reportGradients(task, first);
  const total = config.steps;
  const gradEvery = Math.max(1, Math.round(total / 4));
  await fit(task.objective, task.train, {
    ...(task.loss ? { loss: task.loss } : {}),
    optimizer: adam({ lr: config.lr, schedule: cosineWithWarmup({ warmupSteps: Math.min(20, Math.ceil(total / 10)), totalSteps: total, minFactor: 0.1 }) }),
    epochs: 1_000_000,
    batchSize: config.batchSize,
    maxNorm: 1,
    seed: config.seed + first,
    callbacks: {
      onStepEnd: async (log, control) => {
        s.steps = first + log.step;
        post({ type: 'step', step: s.steps, loss: log.loss, gradNorm: log.gradNorm });
        if (log.step >= total || stopRequested) control.stop();
        else if (log.step % gradEvery === 0) await reportGradients(task, s.steps);
        await yieldToEvents();
      },
    },
  });
  await reportGradients(task, s.steps);
  await reportResults(task);
  post({ type: 'done', steps: s.steps, seconds: (performance.now() - t0) / 1000, stopped: stopRequested });
}

async function download(role: string, kind: DownloadKind): Promise<void> {
  if (!session) throw new Error('download: train or load a model first');
  const file = await modelFile(session.task, role, kind);
  post({ type: 'file', file }, [file.bytes.buffer as ArrayBuffer]);
}

async function load(files: { name: string; bytes: Uint8Array }[], backendName: BackendName): Promise<void> {
  const { models, meta } = readModelFiles(files);
  const backend = await backendFor(backendName);
  dropSession();
  const config: TrainConfig = { ...meta.config, backend: backendName };
  const task = createTask(config, backend, models, meta);
  session = { task, backend, steps: 0 };
  post({ type: 'loaded', config, engine: backend.info().engine, parameters: parameterCount(task), models: task.models.map((m) => m.role) });
  await reportGradients(task, 0);
  await reportResults(task);
  post({ type: 'load-done', files: files.map((f) => f.name) });
}

async function probeBackends(): Promise<void> {
  const webgpu = await probeWebgpu();
  const list: BackendStatus[] = [
    { name: 'webgpu', ...webgpu },
    { name: 'cpu', ok: true, detail: 'cpu-js' },
    {
      name: 'tfjs-wasm',
      ok: typeof WebAssembly === 'object',
      detail: typeof WebAssembly === 'object' ? 'tfjs-backend-wasm (loaded on first use)' : 'no WebAssembly here',
    },
    { name: 'tfjs-cpu', ok: true, detail: 'tfjs-backend-cpu (loaded on first use)' },
  ];
  post({ type: 'backends', backends: list });
}

self.onmessage = async (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  if (msg.type === 'stop') {
    stopRequested = true;
    return;
  }
  if (busy) {
    post({ type: 'error', message: `busy: ignored "${msg.type}" while another job runs` });
    return;
  }
  busy = true;
  try {
    switch (msg.type) {
      case 'probe-backends':
        await probeBackends();
        break;
      case 'train':
        await train(msg.config, msg.resume);
        break;
      case 'download':
        await download(msg.model, msg.kind);
        break;
      case 'load':
        await load(msg.files, msg.backend);
        break;
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    console.error(err);
    post({ type: 'error', message });
  } finally {
    busy = false;
  }
};
