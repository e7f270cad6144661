import { mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend } from '@rnnkit/core';

/**
 * Runs a guide's ```ts block as written, on a backend the test picked: the block's one
 * `const backend = await createCpuBackend();` line is swapped for the test's backend (the block
 * must have exactly that line), `exports` are appended, and the module is imported with `cwd`
 * as the working directory (the block reads its files from there). The generated file is
 * removed once imported.
 */
const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = join(here, '..', '..', '..');
export const guideFixtures = join(here, '..', 'fixtures', 'guides');
const BACKEND_LINE = /^const backend = await createCpuBackend\(\);.*$/m;

/** The ```ts blocks of `docs/guides/<name>`, in order. */
export function guideBlocks(name: string): string[] {
  const text = readFileSync(join(repoRoot, 'docs', 'guides', name), 'utf8');
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

export async function runGuideBlock<T>(block: string, o: { backend: Backend; exports: readonly string[]; cwd: string; tag: string }): Promise<T> {
  if ((block.match(new RegExp(BACKEND_LINE.source, 'gm')) ?? []).length !== 1)
    throw new Error('the guide block must create its backend on one line: const backend = await createCpuBackend();');
  const key = `__rnnkitGuideBackend_${o.tag.replace(/\W/g, '_')}`;
  (globalThis as Record<string, unknown>)[key] = o.backend;
  const code = `${block.replace(BACKEND_LINE, `const backend = (globalThis as any).${key};`)}\nexport { ${o.exports.join(', ')} };\n`;
  const dir = join(here, '.generated');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${o.tag.replace(/\W/g, '_')}.ts`);
  writeFileSync(file, code);
  const cwd = process.cwd();
  process.chdir(o.cwd);
  try {
    return (await import(file)) as T;
  } finally {
    process.chdir(cwd);
    delete (globalThis as Record<string, unknown>)[key];
    // Only this block's file: other test files may be running theirs from the same folder.
    rmSync(file, { force: true });
    try {
      rmdirSync(dir);
    } catch {
      // not empty: another guide test is still using it
    }
  }
}
