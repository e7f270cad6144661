import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Packs every publishable package with `pnpm pack` (which rewrites workspace:* ranges to real
 * versions), installs the tarballs with npm into a scratch project outside the workspace, and
 * imports each entry point there — as a downstream user would — plus a type check of a small
 * TypeScript file against the packed declarations.
 */
const root = new URL('../../..', import.meta.url).pathname;
const packages = readdirSync(join(root, 'packages'))
  .map((d) => join(root, 'packages', d))
  .filter((d) => existsSync(join(d, 'package.json')))
  .map((d) => ({ dir: d, json: JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) }))
  .filter((p) => !p.json.private);

describe('packed packages install and import outside the workspace', () => {
  it('packs, installs with npm and imports every entry point', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'rnnkit-pack-'));
    const tarballs: Record<string, string> = {};
    for (const p of packages) {
      const out = execFileSync('pnpm', ['pack', '--pack-destination', scratch], { cwd: p.dir, encoding: 'utf8' });
      const file = out.trim().split('\n').pop()!.trim();
      tarballs[p.json.name] = `file:${file.startsWith('/') ? file : join(scratch, file)}`;
    }
    writeFileSync(
      join(scratch, 'package.json'),
      JSON.stringify({ name: 'scratch', private: true, type: 'module', dependencies: tarballs, overrides: tarballs }, null, 2),
    );
    execFileSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
      cwd: scratch,
      stdio: 'pipe',
      env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
    });
    // Every exports-map entry of every package must import.
    const specifiers = packages.flatMap((p) =>
      Object.keys(p.json.exports ?? { '.': null })
        .filter((k) => k !== './package.json')
        .map((k) => (k === '.' ? p.json.name : `${p.json.name}/${k.slice(2)}`)),
    );
    writeFileSync(
      join(scratch, 'check.mjs'),
      `const specs = ${JSON.stringify(specifiers)};
for (const s of specs) { const m = await import(s); if (Object.keys(m).length === 0) throw new Error(s + ' exports nothing'); }
const core = await import('@rnnkit/core');
const { createCpuBackend } = await import('@rnnkit/backend-cpu');
const be = await createCpuBackend();
const model = core.sequential([core.lstm({ inputSize: 2, hiddenSize: 3 }), core.lastStep(), core.linear({ outFeatures: 1 })], { seed: 1 }).to(be);
const y = await model.predict({ data: new Float32Array(2 * 4 * 2).fill(0.5), shape: [2, 4, 2] });
console.log(JSON.stringify({ specs: specs.length, shape: y.shape }));`,
    );
    const out = execFileSync('node', ['check.mjs'], { cwd: scratch, encoding: 'utf8' });
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual({ specs: specifiers.length, shape: [2, 1] });

    // The declarations resolve for a TypeScript user with NodeNext resolution.
    writeFileSync(
      join(scratch, 'check.ts'),
      `import { sequential, lstm, type Backend } from '@rnnkit/core';
import { conformanceCases } from '@rnnkit/core/testing';
const m = sequential([lstm({ inputSize: 1, hiddenSize: 2 })]);
const n: number = conformanceCases().length;
export const f = (b: Backend) => [m.to(b), n];`,
    );
    writeFileSync(
      join(scratch, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: [] },
        files: ['check.ts'],
      }),
    );
    execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', scratch], { cwd: scratch, stdio: 'pipe' });
  });
});
