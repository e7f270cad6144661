/// <reference lib="webworker" />
/**
 * The training worker: builds the task's model on the chosen backend, trains it with core's
 * `fit`, and reports every step, the gradient flow, the model's output and ONNX probes to the
 * page. Training here keeps the page responsive whatever the backend does on the main thread's
 * behalf (the CPU and tfjs backends compute synchronously).
 */
import type { Backend, Model } from '@rnnkit/core';
import { adam, cosineWithWarmup, fit, loadModel, loadModelBundle, parseSafetensors, saveModel, saveModelBundle, SPEC_METADATA_KEY } from '@rnnkit/core';
import { exportOnnx } from '@rnnkit/onnx-export';
import { getBackend, probeWebgpu } from './backends.js';
import { hiddenStateGradients } from './gradients.js';
import type { LoadedModels, PlaygroundMeta, TaskRuntime } from './tasks.js';
import { createTask, META_KEY } from './tasks.js';
import type { BackendName, BackendStatus, DownloadKind, FileOut, FromWorker, ToWorker, TrainConfig } from './shared.js';

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
  post({ type: 'started', config: task.config, engine: backend.info().engine, parameters: parameterCount(task), models: task.models.map((m) => m.role), firstStep: first, resumed });
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

function stem(task: TaskRuntime, role: string): string {
  const c = task.config;
  return `${c.task}-${c.cell}${role === 'model' ? '' : `-${role}`}`;
}

async function download(role: string, kind: DownloadKind): Promise<void> {
  if (!session) throw new Error('download: train or load a model first');
  const task = session.task;
  const entry = task.models.find((m) => m.role === role);
  if (!entry) throw new Error(`download: no model "${role}" in this task`);
  const metadata = { [META_KEY]: JSON.stringify(task.meta(role)) };
  const name = stem(task, role);
  let file: FileOut;
  switch (kind) {
    case 'bundle':
      file = { name: `${name}.bundle.safetensors`, bytes: await saveModelBundle(entry.model, { metadata }), mime: 'application/octet-stream' };
      break;
    case 'spec': {
      const saved = await saveModel(entry.model, { metadata });
      file = { name: `${name}.json`, bytes: new TextEncoder().encode(saved.spec), mime: 'application/json' };
      break;
    }
    case 'weights': {
      const saved = await saveModel(entry.model, { metadata });
      file = { name: `${name}.safetensors`, bytes: saved.weights, mime: 'application/octet-stream' };
      break;
    }
    case 'onnx':
      file = { name: `${name}.onnx`, bytes: await exportOnnx(entry.model, task.exportOptions(role)), mime: 'application/octet-stream' };
      break;
  }
  post({ type: 'file', file }, [file.bytes.buffer as ArrayBuffer]);
}

/**
 * Loads models saved by the playground: bundles (`*.safetensors` holding the spec), or a spec
 * `.json` with its weights `.safetensors` (same name stem). The task context (vocabulary,
 * scaling, sizes) comes from the playground metadata in the safetensors header.
 */
async function load(files: { name: string; bytes: Uint8Array }[], backendName: BackendName): Promise<void> {
  const stemOf = (n: string) => n.replace(/\.bundle\.safetensors$|\.safetensors$|\.json$/i, '');
  const specs = new Map(files.filter((f) => /\.json$/i.test(f.name)).map((f) => [stemOf(f.name), new TextDecoder().decode(f.bytes)]));
  const loaded: LoadedModels = new Map();
  let meta: PlaygroundMeta | undefined;
  for (const f of files.filter((f) => /\.safetensors$/i.test(f.name))) {
    const header = parseSafetensors(f.bytes).metadata;
    let model: Model;
    if (header[SPEC_METADATA_KEY] !== undefined) model = loadModelBundle(f.bytes);
    else {
      const spec = specs.get(stemOf(f.name));
      if (spec === undefined) throw new Error(`load: ${f.name} holds weights only; pick its graph JSON (${stemOf(f.name)}.json) too, or a .bundle.safetensors file`);
      model = loadModel(spec, f.bytes);
    }
    const m = header[META_KEY] ? (JSON.parse(header[META_KEY]) as PlaygroundMeta) : undefined;
    if (!m || m.app !== 'rnnkit-playground') {
      throw new Error(`load: ${f.name} has no playground metadata ("${META_KEY}"), so its task (vocabulary, scaling) is unknown; load files downloaded from this page`);
    }
    if (meta && meta.config.task !== m.config.task) throw new Error(`load: the files are from different tasks (${meta.config.task}, ${m.config.task})`);
    meta = m;
    loaded.set(m.role, model);
  }
  if (!meta) throw new Error('load: pick a .safetensors file (a bundle, or weights with their .json graph)');
  const backend = await backendFor(backendName);
  dropSession();
  const config: TrainConfig = { ...meta.config, backend: backendName };
  const task = createTask(config, backend, loaded, meta);
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
    { name: 'tfjs-wasm', ok: typeof WebAssembly === 'object', detail: typeof WebAssembly === 'object' ? 'tfjs-backend-wasm (loaded on first use)' : 'no WebAssembly here' },
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
