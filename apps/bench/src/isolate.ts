import { fork } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendJob, WorkerEvent } from './backend_run.js';
import { jobTaskIds, runBackendJob } from './backend_run.js';
import type { BenchConfig } from './config.js';
import type { ConformanceRow } from './conformance.js';
import { caseId, failedRow, selectCases } from './conformance.js';
import type { BackendName, BackendStatus } from './discover.js';
import { backendLabel, relaxedSimdFlags } from './discover.js';
import type { SpeedRow } from './speed.js';
import { failedSpeedRow, speedPoints } from './speed.js';

/**
 * Runs one backend's job in a child process. A crash (a segfault in a GPU driver, an abort in a
 * native binding) costs the task that was running: it is recorded as failed, and a new process
 * goes on with the remaining tasks, up to MAX_RESTARTS times.
 */

const MAX_RESTARTS = 3;
/** No message from the child for this long: it is stuck outside JavaScript; kill it. */
const SILENCE_MS = 420_000;

export interface BackendOutcome {
  status: BackendStatus;
  conformance: ConformanceRow[];
  speed: SpeedRow[];
  /** Forward last-step outputs by speed point id. */
  lastSteps: Map<string, Float32Array>;
  /** One line per crash of the backend's process. */
  crashes: string[];
}

export interface IsolateHooks {
  onStatus?(s: BackendStatus): void;
  onBegin?(task: string): void;
}

/** The compiled worker: beside this file when running from dist/, else dist/ beside src/ (vitest). */
export function workerFile(): string | undefined {
  for (const rel of ['./worker.js', '../dist/worker.js']) {
    const f = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(f)) return f;
  }
  return undefined;
}

interface Attempt {
  exit: { code: number | null; signal: NodeJS.Signals | null } | 'done';
  log: string;
  /** The task that had begun and not finished when the process ended. */
  running?: { id: string; task: string };
}

function attempt(file: string, job: BackendJob, onEvent: (e: WorkerEvent) => void): Promise<Attempt> {
  return new Promise((resolve) => {
    const execArgv = [...new Set([...wasmFlags(), ...relaxedSimdFlags(job.backend)])];
    const child = fork(file, [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let log = '';
    const keep = (b: Buffer) => {
      log = (log + b.toString()).slice(-200_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    let running: { id: string; task: string } | undefined;
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        log += `\n[bench] no message from the worker for ${SILENCE_MS / 1000} s; killing it\n`;
        child.kill('SIGKILL');
      }, SILENCE_MS);
    };
    arm();
    child.on('message', (e: WorkerEvent) => {
      arm();
      if (e.type === 'begin') running = { id: e.id, task: e.task };
      if (e.type === 'conformance' || e.type === 'speed') running = undefined;
      if (e.type === 'done') done = true;
      onEvent(e);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ exit: done && code === 0 ? 'done' : { code, signal }, log, ...(running ? { running } : {}) });
    });
    child.send(job);
  });
}

/** The last lines of a child's output that say something (Dawn's validation spam trimmed). */
function tail(log: string, n = 3): string {
  const lines = log
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('- While') && !l.startsWith('Warning:'));
  return lines.slice(-n).join(' / ').slice(0, 400);
}

export async function runBackendIsolated(
  cfg: BenchConfig,
  backend: BackendName,
  hooks: IsolateHooks = {},
  opts: { inProcess?: boolean; logDir?: string } = {},
): Promise<BackendOutcome> {
  const out: BackendOutcome = {
    status: { name: backend, package: '', available: false, reason: 'not started' },
    conformance: [],
    speed: [],
    lastSteps: new Map(),
    crashes: [],
  };
  const finished = new Set<string>();
  let gotStatus = false;
  const onEvent = (e: WorkerEvent) => {
    switch (e.type) {
      case 'status':
        if (!gotStatus) {
          out.status = e.status;
          hooks.onStatus?.(e.status);
        }
        gotStatus = true;
        break;
      case 'begin':
        hooks.onBegin?.(e.task);
        break;
      case 'conformance':
        out.conformance.push(e.row);
        finished.add(e.id);
        break;
      case 'speed':
        out.speed.push(...e.rows);
        if (e.lastStep) out.lastSteps.set(e.id, e.lastStep);
        finished.add(e.id);
        break;
      case 'done':
        break;
    }
  };
  const file = opts.inProcess ? undefined : workerFile();
  if (!file) {
    await runBackendJob({ cfg, backend, skip: [] }, onEvent);
    return out;
  }
  const cases = new Map(cfg.conformance.enabled ? selectCases(cfg.conformance.cases).cases.map((c) => [caseId(c), c]) : []);
  const points = new Map(speedPoints(cfg).map((p) => [p.id, p]));
  const fail = (id: string, why: string) => {
    const label = backendLabel(out.status);
    const c = cases.get(id);
    if (c) out.conformance.push(failedRow(c, label, why));
    const p = points.get(id);
    if (p) out.speed.push(failedSpeedRow(cfg, p, label, why));
    finished.add(id);
  };
  const logs: string[] = [];
  for (let round = 0; ; round++) {
    const a = await attempt(file, { cfg, backend, skip: [...finished] }, onEvent);
    if (a.log.trim()) logs.push(a.log);
    if (a.exit === 'done') break;
    const how = a.exit.signal ? `killed by ${a.exit.signal}` : `exited with code ${a.exit.code}`;
    const last = tail(a.log);
    if (!gotStatus) {
      out.status = { ...out.status, available: false, reason: `its process crashed while starting (${how})${last ? `: ${last}` : ''}` };
      hooks.onStatus?.(out.status);
      break;
    }
    out.crashes.push(`${how}${a.running ? ` during ${a.running.task}` : ''}${last ? `: ${last}` : ''}`);
    if (a.running) fail(a.running.id, `crashed the backend's process (${how})`);
    if (round + 1 >= MAX_RESTARTS) {
      for (const id of jobTaskIds(cfg)) if (!finished.has(id)) fail(id, `skipped: the backend's process crashed ${out.crashes.length} times`);
      break;
    }
  }
  if (out.crashes.length) out.status = { ...out.status, crashes: out.crashes };
  if (opts.logDir && logs.length) {
    mkdirSync(opts.logDir, { recursive: true });
    writeFileSync(join(opts.logDir, `${backend}.log`), logs.join('\n----- restarted -----\n'));
  }
  return out;
}

/** The parent's WebAssembly flags (e.g. --experimental-wasm-relaxed-simd), so a child measures the same engine; nothing else is forwarded. */
function wasmFlags(): string[] {
  return process.execArgv.filter((a) => /^--(experimental-)?wasm/.test(a));
}
