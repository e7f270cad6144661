import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchConfig } from '../config.js';
import type { ConformanceReport } from '../conformance.js';
import type { BackendStatus, ToolStatus } from '../discover.js';
import type { MachineInfo } from '../machine.js';
import type { SpeedReport } from '../speed.js';

/** Everything a run found, as one JSON document: the machine, versions, statuses and every figure. */
export interface BenchReport {
  schema: 'rnnkit.bench/1';
  startedAt: string;
  finishedAt: string;
  durationS: number;
  mode: BenchConfig['mode'];
  /** What the run was asked to measure (after flags). */
  config: Omit<BenchConfig, 'outDir'>;
  machine: MachineInfo;
  versions: Record<string, string | null>;
  backends: BackendStatus[];
  tools: ToolStatus[];
  conformance?: ConformanceReport;
  speed?: SpeedReport;
}

export const JSON_FILE = 'bench.json';

/** JSON has no Infinity or NaN: they are written as the strings "Infinity" and "NaN". */
function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

export function toJson(report: BenchReport): string {
  return `${JSON.stringify(report, replacer, 2)}\n`;
}

export function writeJson(report: BenchReport, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, JSON_FILE);
  writeFileSync(file, toJson(report));
  return file;
}

/** Reads a report written by `writeJson` (the strings "Infinity" and "NaN" become numbers again). */
export function readJson(file: string): BenchReport {
  return JSON.parse(readFileSync(file, 'utf8'), (_k, v: unknown) =>
    v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v === 'NaN' ? NaN : v,
  ) as BenchReport;
}
