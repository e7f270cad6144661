import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Runs a guide's code as written: every ```ts block of the markdown file, in order, becomes one
 * module (prose between blocks is a reader's pause, not a scope boundary). The module is
 * type-checked with `tsc --strict` against the built packages, then imported in this process
 * with the working directory set to a scratch folder, so the files it writes land there.
 * `exports` names the top-level bindings the test wants back.
 */

/** tests/integration (where `@rnnkit/*`, onnxruntime-node and tfjs resolve as they would for a user). */
export const PACKAGE_ROOT = new URL('..', import.meta.url).pathname;
/** The repository root. */
export const REPO_ROOT = join(PACKAGE_ROOT, '..', '..');

/** The ```ts blocks of a markdown file, in order. Throws when there is none. */
export function tsBlocks(markdownPath: string): string[] {
  const text = readFileSync(markdownPath, 'utf8');
  const blocks = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  if (blocks.length === 0) throw new Error(`${markdownPath}: no \`\`\`ts block`);
  return blocks;
}

/** Writes `code` (+ `export { …names }`) into a fresh folder under tests/integration and type-checks it. */
export function prepareModule(name: string, code: string, names: readonly string[]): { dir: string; file: string } {
  const dir = join(PACKAGE_ROOT, '.guides', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.mts`);
  writeFileSync(file, `${code}\nexport { ${names.join(', ')} };\n`);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
      },
      files: [`${name}.mts`],
    }),
  );
  try {
    execFileSync(join(PACKAGE_ROOT, 'node_modules/.bin/tsc'), ['-p', dir], { stdio: 'pipe', encoding: 'utf8' });
  } catch (e) {
    const out = e as { stdout?: string; stderr?: string };
    throw new Error(`${name}: the guide's code does not type-check:\n${out.stdout ?? ''}${out.stderr ?? ''}`);
  }
  return { dir, file };
}

/**
 * Type-checks and runs the ```ts blocks of `markdownPath` as one module; returns the bindings
 * named in `names`, and the scratch folder it ran in (removed by `cleanup`).
 */
export async function runGuide<T>(markdownPath: string, name: string, names: readonly string[]): Promise<{ values: T; dir: string; cleanup(): void }> {
  const { dir, file } = prepareModule(name, tsBlocks(markdownPath).join('\n'), names);
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const values = (await import(file)) as T;
    return { values, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  } finally {
    process.chdir(cwd);
  }
}
