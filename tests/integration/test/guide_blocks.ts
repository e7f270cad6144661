import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Backend } from '@rnnkit/core';
import { PACKAGE_ROOT, prepareModule, REPO_ROOT, tsBlocks } from './guide_runner.js';

/**
 * Runs a guide's ```ts block as written, on a backend the test picked: the block's one
 * `const backend = await createCpuBackend();` line is swapped for the test's backend (the block
 * must have exactly that line); the module is type-checked and imported as `guide_runner.ts`
 * does, with `cwd` as the working directory (the block reads its files from there).
 */
export const repoRoot = REPO_ROOT;
export const guideFixtures = join(PACKAGE_ROOT, 'fixtures', 'guides');
const BACKEND_LINE = /^const backend = await createCpuBackend\(\);.*$/m;

/** The ```ts blocks of `docs/guides/<name>`, in order. */
export function guideBlocks(name: string): string[] {
  return tsBlocks(join(REPO_ROOT, 'docs', 'guides', name));
}

export async function runGuideBlock<T>(block: string, o: { backend: Backend; exports: readonly string[]; cwd: string; tag: string }): Promise<T> {
  if ((block.match(new RegExp(BACKEND_LINE.source, 'gm')) ?? []).length !== 1)
    throw new Error('the guide block must create its backend on one line: const backend = await createCpuBackend();');
  const tag = o.tag.replace(/\W/g, '_');
  const key = `__rnnkitGuideBackend_${tag}`;
  (globalThis as Record<string, unknown>)[key] = o.backend;
  const code = block.replace(BACKEND_LINE, `const backend = (globalThis as Record<string, unknown>).${key} as Awaited<ReturnType<typeof createCpuBackend>>;`);
  const { dir, file } = prepareModule(tag, code, o.exports);
  const cwd = process.cwd();
  process.chdir(o.cwd);
  try {
    return (await import(file)) as T;
  } finally {
    process.chdir(cwd);
    delete (globalThis as Record<string, unknown>)[key];
    rmSync(dir, { recursive: true, force: true });
  }
}
