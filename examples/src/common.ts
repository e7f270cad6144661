import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createCpuBackend } from '@rnnkit/backend-cpu';
import type { Backend, EpochLog } from '@rnnkit/core';

/** The examples run on backend-cpu, the backend every platform has. */
export function cpu(): Promise<Backend> {
  return createCpuBackend();
}

/** True when `moduleUrl` is the script node (or tsx) was asked to run. */
export function isMain(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && pathToFileURL(resolve(process.argv[1])).href === moduleUrl;
}

/** examples/<rest>: where the shipped data lives and where results are written. */
export function examplesPath(...rest: string[]): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', ...rest);
}

export function writeOutput(file: string, text: string): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** A one-line progress log per epoch. */
export function logEpoch(name: string, quiet: boolean | undefined) {
  return (e: EpochLog) => {
    if (quiet) return;
    const parts = [`loss ${e.loss.toFixed(4)}`];
    for (const [k, v] of Object.entries(e.metrics)) parts.push(`${k} ${v.toFixed(3)}`);
    if (e.valLoss !== undefined) parts.push(`val loss ${e.valLoss.toFixed(4)}`);
    for (const [k, v] of Object.entries(e.valMetrics ?? {})) parts.push(`val ${k} ${v.toFixed(3)}`);
    console.log(`[${name}] epoch ${e.epoch + 1}: ${parts.join(', ')} (${e.seconds.toFixed(1)} s)`);
  };
}
