import { readFileSync } from 'node:fs';
import os from 'node:os';
import { packageVersion } from './packages.js';

/** The machine and the versions a run came from, for the JSON and the report headers. */

export interface MachineInfo {
  os: string;
  arch: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  hostname: string;
  /** `os.loadavg()` when the run finished: 1, 5 and 15 minutes (all 0 where the OS has none). Absent in older reports. */
  loadAverage?: number[];
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    os: `${os.type()} ${os.release()}`,
    arch: os.arch(),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    hostname: os.hostname(),
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

const VERSIONED = [
  '@rnnkit/core',
  '@rnnkit/backend-cpu',
  '@rnnkit/backend-webgpu',
  '@rnnkit/backend-tfjs',
  '@rnnkit/onnx-export',
  'onnxruntime-node',
  '@tensorflow/tfjs-core',
  '@tensorflow/tfjs-layers',
  '@tensorflow/tfjs-backend-wasm',
  'vega',
  'vega-lite',
];

/** Installed version of every package the run touches (null where it is not installed). */
export function packageVersions(): Record<string, string | null> {
  const out: Record<string, string | null> = { '@rnnkit/bench': benchVersion() };
  for (const n of VERSIONED) out[n] = packageVersion(n) ?? null;
  return out;
}

export function describeMachine(m: MachineInfo): string {
  // On a shared machine the other jobs' load is part of what a timing means.
  const load = m.loadAverage?.some((l) => l > 0)
    ? `, load average ${m.loadAverage.map((l) => l.toFixed(1)).join(' / ')} (1 / 5 / 15 min) at the end of the run`
    : '';
  return `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os} ${m.arch}, Node ${m.node}${load}`;
}

function benchVersion(): string | null {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}
