/** The page: controls, charts and files. All model work happens in the worker (worker.ts). */
import './style.css';
import { ForecastChart, GradChart, LossChart } from './charts.js';
import type {
  BackendName,
  BackendStatus,
  CellName,
  DownloadKind,
  FromWorker,
  GradNorms,
  Probe,
  TaskName,
  TaskOutput,
  ToWorker,
  TrainConfig,
} from './shared.js';
import { BACKENDS, DEFAULTS, TASKS } from './shared.js';

/** What the page knows, also read by the end-to-end test (window.__playground). */
interface PageState {
  ready: boolean;
  busy: boolean;
  backends: BackendStatus[];
  config: TrainConfig | undefined;
  engine: string;
  losses: { step: number; loss: number }[];
  grads: GradNorms[];
  output: TaskOutput | undefined;
  probes: Probe[];
  /** Finished training runs and loads, so a test can wait for the next one. */
  runs: number;
  loads: number;
  errors: string[];
}

const state: PageState = {
  ready: false,
  busy: false,
  backends: [],
  config: undefined,
  engine: '',
  losses: [],
  grads: [],
  output: undefined,
  probes: [],
  runs: 0,
  loads: 0,
  errors: [],
};
(window as unknown as { __playground: PageState }).__playground = state;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const form = $<HTMLFormElement>('controls');
const taskSel = $<HTMLSelectElement>('task');
const backendSel = $<HTMLSelectElement>('backend');
const statusEl = $('status');
const trainBtn = $<HTMLButtonElement>('train');
const resumeBtn = $<HTMLButtonElement>('resume');
const stopBtn = $<HTMLButtonElement>('stop');
const loadInput = $<HTMLInputElement>('load');
const downloadsEl = $('downloads');
const outputEl = $('output');
const numberFields = ['hiddenSize', 'numLayers', 'seqLen', 'batchSize', 'steps', 'lr', 'seed'] as const;

const lossChart = new LossChart($('loss-chart'));
const gradChart = new GradChart($('grad-chart'));
let forecastChart: ForecastChart | undefined;

for (const [name, t] of Object.entries(TASKS)) taskSel.add(new Option(t.label, name));
for (const [name, label] of Object.entries(BACKENDS)) {
  const o = new Option(`${label} (checking…)`, name);
  o.disabled = name === 'webgpu';
  backendSel.add(o);
}
backendSel.value = 'cpu';

function setDefaults(task: TaskName): void {
  const d = DEFAULTS[task];
  for (const k of numberFields) $<HTMLInputElement>(k).value = String(d[k]);
  $('seqLen-label').textContent = TASKS[task].seqLabel[0].toUpperCase() + TASKS[task].seqLabel.slice(1);
}
setDefaults('forecast');
taskSel.addEventListener('change', () => setDefaults(taskSel.value as TaskName));

function readConfig(): TrainConfig {
  const num = (k: string) => Number($<HTMLInputElement>(k).value);
  const int = (k: string, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.round(num(k)) || lo));
  return {
    task: taskSel.value as TaskName,
    cell: (form.querySelector('input[name=cell]:checked') as HTMLInputElement).value as CellName,
    backend: backendSel.value as BackendName,
    hiddenSize: int('hiddenSize', 1, 512),
    numLayers: int('numLayers', 1, 3),
    seqLen: int('seqLen', 2, 200),
    batchSize: int('batchSize', 1, 512),
    steps: int('steps', 1, 100000),
    lr: Math.min(1, Math.max(1e-5, num('lr') || 0.01)),
    seed: int('seed', 0, 2 ** 31 - 1),
  };
}

function showConfig(c: TrainConfig): void {
  taskSel.value = c.task;
  setDefaults(c.task);
  for (const k of numberFields) $<HTMLInputElement>(k).value = String(c[k]);
  (form.querySelector(`input[name=cell][value=${c.cell}]`) as HTMLInputElement).checked = true;
}

function setBusy(busy: boolean): void {
  state.busy = busy;
  trainBtn.disabled = busy || !state.ready;
  resumeBtn.disabled = busy || !state.ready || state.config === undefined;
  stopBtn.disabled = !busy;
  loadInput.disabled = busy || !state.ready;
  for (const b of downloadsEl.querySelectorAll('button')) b.disabled = busy;
}

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (m: ToWorker, transfer: Transferable[] = []) => worker.postMessage(m, transfer);

let lastStepAt = 0;
let stepsSince = 0;
let rate = 0;
let runTotal = 0;

function describeRun(): string {
  const c = state.config;
  return c ? `${c.cell.toUpperCase()} on ${state.engine}` : '';
}

function renderDownloads(models: string[]): void {
  downloadsEl.textContent = '';
  const kinds: [DownloadKind, string][] = [
    ['bundle', 'bundle (.safetensors)'],
    ['spec', 'graph JSON'],
    ['weights', 'weights (.safetensors)'],
    ['onnx', 'ONNX'],
  ];
  for (const m of models) {
    const row = document.createElement('div');
    row.className = 'download-row';
    if (models.length > 1) row.append(Object.assign(document.createElement('span'), { textContent: `${m}:` }));
    for (const [kind, label] of kinds) {
      const b = Object.assign(document.createElement('button'), { type: 'button', textContent: label });
      b.dataset.download = kind;
      b.dataset.model = m;
      b.addEventListener('click', () => {
        setBusy(true);
        statusEl.textContent = `preparing ${label} of the ${m}…`;
        send({ type: 'download', model: m, kind });
      });
      row.append(b);
    }
    downloadsEl.append(row);
  }
}

function renderOutput(o: TaskOutput): void {
  state.output = o;
  const caption = $('output-caption');
  if (o.kind !== 'forecast') {
    forecastChart?.clear();
    forecastChart = undefined;
  }
  switch (o.kind) {
    case 'forecast': {
      caption.textContent = 'Forecast on held-out data: one step ahead, and free-running (each prediction fed back)';
      if (!forecastChart) {
        outputEl.textContent = '';
        const div = Object.assign(document.createElement('div'), { className: 'chart', id: 'forecast-chart' });
        outputEl.append(div);
        forecastChart = new ForecastChart(div);
      }
      forecastChart.update(o);
      break;
    }
    case 'charlm': {
      caption.textContent = 'Generated text (sampled at temperature 0.6 after each prompt)';
      outputEl.textContent = '';
      for (const s of o.samples) {
        const pre = document.createElement('pre');
        pre.className = 'sample';
        pre.append(Object.assign(document.createElement('b'), { textContent: s.prompt }), s.text);
        outputEl.append(pre);
      }
      break;
    }
    case 'seq2seq': {
      caption.textContent = `Greedy decoding of held-out numbers: ${(100 * o.exact).toFixed(1)}% of ${o.tested} spelled exactly`;
      outputEl.textContent = '';
      const table = document.createElement('table');
      table.className = 'decoded';
      table.innerHTML = '<thead><tr><th>input</th><th>decoded</th><th></th></tr></thead>';
      const body = table.createTBody();
      for (const r of o.rows) {
        const tr = body.insertRow();
        tr.insertCell().textContent = r.input;
        tr.insertCell().textContent = r.output;
        const ok = r.output === r.expected;
        const mark = tr.insertCell();
        mark.textContent = ok ? '✓' : `✗ ${r.expected}`;
        mark.className = ok ? 'ok' : 'bad';
      }
      outputEl.append(table);
      break;
    }
  }
}

function saveFile(name: string, bytes: Uint8Array, mime: string): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: mime }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

worker.onmessage = (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  switch (m.type) {
    case 'backends': {
      state.backends = m.backends;
      const notes: string[] = [];
      for (const b of m.backends) {
        const opt = [...backendSel.options].find((o) => o.value === b.name)!;
        opt.disabled = !b.ok;
        opt.textContent = `${BACKENDS[b.name]}${b.ok ? '' : ' (unavailable)'}`;
        opt.title = b.detail;
        if (!b.ok) notes.push(`${BACKENDS[b.name]} unavailable: ${b.detail}`);
      }
      if (m.backends.find((b) => b.name === 'webgpu')?.ok) {
        backendSel.value = 'webgpu';
        notes.unshift(`WebGPU: ${m.backends.find((b) => b.name === 'webgpu')!.detail}`);
      }
      $('backend-note').textContent = notes.join(' · ');
      state.ready = true;
      statusEl.textContent = 'ready';
      setBusy(false);
      break;
    }
    case 'status':
      statusEl.textContent = m.text;
      break;
    case 'started':
      state.config = m.config;
      state.engine = m.engine;
      runTotal = m.firstStep + m.steps;
      if (!m.resumed) {
        state.losses = [];
        state.grads = [];
        lossChart.reset();
        gradChart.reset();
      }
      renderDownloads(m.models);
      setBusy(true);
      lastStepAt = performance.now();
      stepsSince = 0;
      statusEl.textContent = `${describeRun()}: ${m.parameters.toLocaleString('en')} parameters, training…`;
      break;
    case 'step': {
      state.losses.push({ step: m.step, loss: m.loss });
      lossChart.push(m.step, m.loss);
      stepsSince++;
      const now = performance.now();
      if (now - lastStepAt > 500) {
        rate = (1000 * stepsSince) / (now - lastStepAt);
        lastStepAt = now;
        stepsSince = 0;
      }
      statusEl.textContent = `${describeRun()} · step ${m.step}/${runTotal} · loss ${m.loss.toFixed(4)}${rate ? ` · ${rate.toFixed(1)} steps/s` : ''}`;
      break;
    }
    case 'grad':
      state.grads.push(m.norms);
      gradChart.update(m.norms);
      break;
    case 'output':
      renderOutput(m.output);
      break;
    case 'probe':
      state.probes = m.probes;
      break;
    case 'done': {
      const last = state.losses[state.losses.length - 1];
      statusEl.textContent = `${describeRun()} · ${m.stopped ? 'stopped' : 'done'} after ${m.steps} steps in ${m.seconds.toFixed(1)} s${last ? ` · loss ${last.loss.toFixed(4)}` : ''}`;
      lossChart.render();
      state.runs++;
      setBusy(false);
      break;
    }
    case 'loaded':
      state.config = m.config;
      state.engine = m.engine;
      state.losses = [];
      state.grads = [];
      lossChart.reset();
      gradChart.reset();
      showConfig(m.config);
      renderDownloads(m.models);
      statusEl.textContent = `${describeRun()}: loaded, ${m.parameters.toLocaleString('en')} parameters`;
      break;
    case 'load-done':
      statusEl.textContent = `${describeRun()} · loaded ${m.files.join(', ')}`;
      state.loads++;
      setBusy(false);
      break;
    case 'file':
      saveFile(m.file.name, m.file.bytes, m.file.mime);
      statusEl.textContent = `downloaded ${m.file.name} (${m.file.bytes.length.toLocaleString('en')} bytes)`;
      setBusy(false);
      break;
    case 'error':
      state.errors.push(m.message);
      statusEl.textContent = `error: ${m.message}`;
      setBusy(false);
      break;
  }
};
worker.onerror = (e) => {
  state.errors.push(e.message);
  statusEl.textContent = `worker error: ${e.message}`;
};

form.addEventListener('submit', (e) => {
  e.preventDefault();
  setBusy(true);
  send({ type: 'train', config: readConfig(), resume: false });
});
resumeBtn.addEventListener('click', () => {
  setBusy(true);
  send({ type: 'train', config: { ...readConfig(), task: state.config!.task }, resume: true });
});
stopBtn.addEventListener('click', () => send({ type: 'stop' }));
loadInput.addEventListener('change', async () => {
  const files = [...(loadInput.files ?? [])];
  if (files.length === 0) return;
  setBusy(true);
  statusEl.textContent = `loading ${files.map((f) => f.name).join(', ')}…`;
  const read = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
  loadInput.value = '';
  send(
    { type: 'load', files: read, backend: backendSel.value as BackendName },
    read.map((f) => f.bytes.buffer),
  );
});

setBusy(true);
stopBtn.disabled = true;
send({ type: 'probe-backends' });
