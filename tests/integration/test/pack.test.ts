import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * Packs every publishable package with `pnpm pack` (which rewrites workspace: ranges to real
 * versions), installs the tarballs with npm into a scratch project outside the workspace, and
 * uses them there as a downstream user would: `import` from ESM, `require()` from CommonJS,
 * TypeScript with `strict` and `skipLibCheck: false` under NodeNext, bundler and node10
 * resolution; then lints each tarball with publint and @arethetypeswrong/cli and checks what
 * is in it (LICENSE, metadata, source maps that resolve, core without fixtures, sizes).
 */
const root = new URL('../../..', import.meta.url).pathname;
const bin = (name: string) => join(root, 'node_modules/.bin', name);
const packages = readdirSync(join(root, 'packages'))
  .map((d) => join(root, 'packages', d))
  .filter((d) => existsSync(join(d, 'package.json')))
  .map((d) => ({ dir: d, json: JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) }))
  .filter((p) => !p.json.private);

/** Packed size limit of @rnnkit/core (issue #15: the tarball carried 780 KB of fixtures). */
const CORE_PACKED_LIMIT = 400 * 1024;

let scratch = '';
const tarballs: Record<string, string> = {};
/** Each tarball unpacked: name → its `package/` folder. */
const unpacked: Record<string, string> = {};
const run = (cmd: string, args: string[], cwd = scratch) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: 'pipe', env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' } });

// Every exports-map entry of every package, as a user would spell it.
const specifiers = packages.flatMap((p) =>
  Object.keys(p.json.exports ?? { '.': null })
    .filter((k) => k !== './package.json')
    .map((k) => (k === '.' ? p.json.name : `${p.json.name}/${k.slice(2)}`)),
);

/** The same small model in ESM and CommonJS; prints the entry count and the prediction. */
const consumer = (load: (s: string) => string) => `const specs = ${JSON.stringify(specifiers)};
for (const s of specs) { const m = ${load('s')}; if (Object.keys(m).length === 0) throw new Error(s + ' exports nothing'); }
const core = ${load("'@rnnkit/core'")};
const { createCpuBackend } = ${load("'@rnnkit/backend-cpu'")};
const { exportOnnx, decodeModel } = ${load("'@rnnkit/onnx-export'")};
const be = await createCpuBackend();
const model = core.sequential([core.lstm({ inputSize: 2, hiddenSize: 3 }), core.lastStep(), core.linear({ outFeatures: 1 })], { seed: 1 }).to(be);
const x = Float32Array.from({ length: 2 * 4 * 2 }, (_, i) => Math.sin(i));
const y = await model.predict({ data: x, shape: [2, 4, 2] });
const onnx = decodeModel(await exportOnnx(model));
let fixtures = '';
try { (${load("'@rnnkit/core/testing'")}).loadTorchFixtures(); } catch (e) { fixtures = e.message; }
// Node resolves backend-cpu's \`node\` condition: the entry with worker threads.
const two = await createCpuBackend({ threads: 2 });
const threads = two.info().threads;
two.destroy();
console.log(JSON.stringify({ specs: specs.length, shape: y.shape, data: Array.from(y.data), nodes: onnx.graph.node.length, fixtures, threads }));`;

describe('packed packages, installed with npm outside the workspace', () => {
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'rnnkit-pack-'));
    for (const p of packages) {
      const out = execFileSync('pnpm', ['pack', '--pack-destination', scratch], { cwd: p.dir, encoding: 'utf8' });
      const file = out.trim().split('\n').pop()!.trim();
      tarballs[p.json.name] = file.startsWith('/') ? file : join(scratch, file);
      const dest = join(scratch, 'unpacked', p.json.name);
      mkdirSync(dest, { recursive: true });
      run('tar', ['xzf', tarballs[p.json.name], '-C', dest]);
      unpacked[p.json.name] = join(dest, 'package');
    }
    const deps = Object.fromEntries(Object.entries(tarballs).map(([k, v]) => [k, `file:${v}`]));
    writeFileSync(
      join(scratch, 'package.json'),
      JSON.stringify({ name: 'scratch', private: true, type: 'module', dependencies: deps, overrides: deps }, null, 2),
    );
    run('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error']);
  });

  let esm: { data: number[] } | undefined;

  it('import: every entry point from ESM, and a model trains nothing but predicts and exports', () => {
    writeFileSync(
      join(scratch, 'check.mjs'),
      consumer((s) => `await import(${s})`),
    );
    const out = JSON.parse(run('node', ['check.mjs']).trim().split('\n').pop()!);
    expect(out).toMatchObject({ specs: specifiers.length, shape: [2, 1], nodes: expect.any(Number), threads: 2 });
    expect(out.data.every(Number.isFinite)).toBe(true);
    esm = out;
  });

  it('require(): every entry point from CommonJS, with the same prediction as ESM', () => {
    writeFileSync(
      join(scratch, 'check.cjs'),
      `(async () => {\n${consumer((s) => `require(${s})`)}\n})().catch((e) => { console.error(e); process.exit(1); });`,
    );
    const out = JSON.parse(run('node', ['check.cjs']).trim().split('\n').pop()!);
    expect(out).toMatchObject({ specs: specifiers.length, shape: [2, 1], threads: 2 });
    expect(esm).toBeDefined();
    expect(out.data).toEqual(esm!.data);
    expect(out.nodes).toBe((esm as { nodes?: number }).nodes);
  });

  it('installs one copy of core, no Dawn and no tfjs-node (optional peers), and a working rnnkit-onnx bin', () => {
    const nm = join(scratch, 'node_modules');
    expect(existsSync(join(nm, '@rnnkit/core/package.json'))).toBe(true);
    for (const p of packages) expect(existsSync(join(nm, p.json.name, 'node_modules/@rnnkit/core')), p.json.name).toBe(false);
    expect(existsSync(join(nm, 'webgpu'))).toBe(false);
    expect(existsSync(join(nm, '@tensorflow/tfjs-node'))).toBe(false);
    const version = JSON.parse(readFileSync(join(nm, '@rnnkit/onnx-export/package.json'), 'utf8')).version;
    expect(run(join(nm, '.bin/rnnkit-onnx'), ['--version']).trim()).toBe(version);
  });

  it("core's tarball has no test fixtures, and its fixture loaders say so", () => {
    const core = unpacked['@rnnkit/core'];
    expect(existsSync(join(core, 'fixtures'))).toBe(false);
    expect(statSync(tarballs['@rnnkit/core']).size).toBeLessThanOrEqual(CORE_PACKED_LIMIT);
    const out = JSON.parse(run('node', ['check.mjs']).trim().split('\n').pop()!);
    expect(out.fixtures).toMatch(/not in the @rnnkit\/core npm package/);
  });

  it('every tarball has LICENSE, metadata, engines, and no source maps pointing at unshipped sources', () => {
    const sizes: Record<string, string> = {};
    for (const [name, dir] of Object.entries(unpacked)) {
      const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      expect(readFileSync(join(dir, 'LICENSE'), 'utf8'), name).toMatch(/^MIT License[\s\S]*The rnnkit authors/);
      expect(json, name).toMatchObject({
        license: 'MIT',
        engines: { node: '>=20' },
        repository: { type: 'git', directory: expect.any(String) },
        homepage: expect.any(String),
      });
      expect(json.keywords.length, name).toBeGreaterThan(0);
      // No workspace: protocol and no exact pin of core left in what npm sees.
      expect(JSON.stringify(json), name).not.toContain('workspace:');
      // Core is a ranged peer (one copy for a whole 0.x line), never a pinned dependency.
      if (name !== '@rnnkit/core')
        expect({ peer: json.peerDependencies['@rnnkit/core'], dep: json.dependencies?.['@rnnkit/core'] }, name).toEqual({
          peer: expect.stringMatching(/^>=0\.\d+\.\d+ <1$/),
          dep: undefined,
        });
      // No source maps (the builds are unminified); so none can point at sources that aren't there.
      const files: string[] = [];
      const walk = (d: string): void => {
        for (const f of readdirSync(d, { withFileTypes: true })) {
          if (f.isDirectory()) walk(join(d, f.name));
          else files.push(join(d, f.name));
        }
      };
      walk(dir);
      expect(
        files.filter((f) => f.endsWith('.map')),
        name,
      ).toEqual([]);
      for (const f of files.filter((f) => /\.(c?js|d\.c?ts)$/.test(f))) expect(readFileSync(f, 'utf8'), f).not.toMatch(/sourceMappingURL/);
      sizes[name] = `${(statSync(tarballs[name]).size / 1024).toFixed(1)} KB packed`;
    }
    console.log('packed sizes:', sizes);
  });

  it('type-checks for strict consumers with skipLibCheck: false under NodeNext (ESM and CJS), bundler and node10', () => {
    const uses = `const m = sequential([lstm({ inputSize: 1, hiddenSize: 2 })]);
const n: number = conformanceCases().length;
export const f = (b: Backend) => [m.to(b), n];
export const g = (bytes: Uint8Array): number => Number(decodeModel(bytes).irVersion) + (decodeModel(bytes).graph?.node.length ?? 0);
export const h = async (device: GPUDevice) => (await createWebgpuBackend({ device })).info();
export const k = () => [createCpuBackend, defineBackend];`;
    writeFileSync(
      join(scratch, 'check.ts'),
      `import { sequential, lstm, type Backend } from '@rnnkit/core';
import { defineBackend } from '@rnnkit/core/backend';
import { conformanceCases } from '@rnnkit/core/testing';
import { createCpuBackend } from '@rnnkit/backend-cpu';
import { createWebgpuBackend } from '@rnnkit/backend-webgpu';
import { decodeModel } from '@rnnkit/onnx-export';
${uses}`,
    );
    // A CommonJS TypeScript file (import = require), checked against the .d.cts declarations.
    writeFileSync(
      join(scratch, 'check-cjs.cts'),
      `import core = require('@rnnkit/core');
import coreBackend = require('@rnnkit/core/backend');
import testing = require('@rnnkit/core/testing');
import cpu = require('@rnnkit/backend-cpu');
import webgpu = require('@rnnkit/backend-webgpu');
import onnx = require('@rnnkit/onnx-export');
const { sequential, lstm } = core;
type Backend = core.Backend;
const { defineBackend } = coreBackend;
const { conformanceCases } = testing;
const { createCpuBackend } = cpu;
const { createWebgpuBackend } = webgpu;
const { decodeModel } = onnx;
${uses}`,
    );
    // backend-tfjs on its own: its declarations expose tfjs-core's types (\`backend.tf\`), and
    // tfjs-core 4.22's own declarations need its @types/long dependency visible as a global
    // (TypeScript's default \`types\`), and pin @webgpu/types 0.1.38, which conflicts with any
    // newer WebGPU types in the same program (upstream; see the report of issue #15).
    writeFileSync(
      join(scratch, 'check-tfjs.ts'),
      `import { sequential, lstm } from '@rnnkit/core';
import { createTfjsBackend, type TfjsBackend } from '@rnnkit/backend-tfjs';
export const f = async (): Promise<string> => { const b: TfjsBackend = await createTfjsBackend({ wasmPaths: '/tfjs/' }); sequential([lstm({ inputSize: 1, hiddenSize: 2 })]).to(b); return b.tf.getBackend(); };`,
    );
    writeFileSync(
      join(scratch, 'check-tfjs.cts'),
      `import tfjs = require('@rnnkit/backend-tfjs');
export const f = async (): Promise<string> => (await tfjs.createTfjsBackend({ engine: 'cpu' })).tf.getBackend();`,
    );
    // types: [] (nothing global but what the packages reference themselves) except for tfjs.
    const configs: Record<string, { compilerOptions: object; files: string[]; types?: string[] }> = {
      nodenext: { compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' }, files: ['check.ts', 'check-cjs.cts'], types: [] },
      bundler: { compilerOptions: { module: 'ESNext', moduleResolution: 'bundler' }, files: ['check.ts'], types: [] },
      // Resolvers that predate "exports": the subpaths resolve through core's stub folders.
      node10: { compilerOptions: { module: 'CommonJS', moduleResolution: 'node10', ignoreDeprecations: '5.0' }, files: ['check-cjs.cts'], types: [] },
      'tfjs-nodenext': { compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' }, files: ['check-tfjs.ts', 'check-tfjs.cts'] },
      'tfjs-bundler': { compilerOptions: { module: 'ESNext', moduleResolution: 'bundler' }, files: ['check-tfjs.ts'] },
    };
    for (const [name, c] of Object.entries(configs)) {
      const file = join(scratch, `tsconfig.${name}.json`);
      const compilerOptions = {
        ...c.compilerOptions,
        target: 'ES2022',
        lib: ['ES2022', 'DOM'],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        ...(c.types ? { types: c.types } : {}),
      };
      writeFileSync(file, JSON.stringify({ compilerOptions, files: c.files }));
      let out = '';
      try {
        run(bin('tsc'), ['-p', file]);
      } catch (e) {
        out = String((e as { stdout?: string }).stdout ?? e);
      }
      expect(out, `${name} resolution`).toBe('');
    }
  });

  it('publint (strict) and @arethetypeswrong/cli find nothing in any tarball', () => {
    const problems: string[] = [];
    for (const [name, dir] of Object.entries(unpacked)) {
      try {
        run(bin('publint'), ['run', dir, '--strict', '--pack', 'false']);
      } catch (e) {
        problems.push(`publint ${name}: ${(e as { stdout?: string }).stdout ?? e}`);
      }
      try {
        run(bin('attw'), [tarballs[name], '--format', 'ascii', '--no-color']);
      } catch (e) {
        problems.push(`attw ${name}: ${(e as { stdout?: string }).stdout ?? e}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
