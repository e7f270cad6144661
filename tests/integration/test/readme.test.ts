import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModelBundle } from '@rnnkit/core';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { prepareModule } from './guide_runner.js';

/**
 * Runs the README's quickstart exactly as written: the first ```ts block under "## Quickstart",
 * type-checked against the built packages and then executed with node from this package
 * (so `@rnnkit/*` resolve as they would for a user).
 */
const here = new URL('..', import.meta.url).pathname;
const readme = readFileSync(join(here, '../../README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Quickstart'));
const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];

describe('README quickstart', () => {
  it('is present', () => {
    expect(code).toBeTruthy();
  });

  it('type-checks and runs as written; progress is reported, the loss falls, the saved file reloads, model.onnx is written', () => {
    // Type-checked strictly against the built packages, as the guides are (guide_runner.ts).
    const { dir } = prepareModule('readme-quickstart', code!, []);
    try {
      const js = ts.transpileModule(code!, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
      writeFileSync(join(dir, 'quickstart.mjs'), js);
      const out = execFileSync('node', ['quickstart.mjs'], { cwd: dir, encoding: 'utf8' });
      // console.log prints the array as `[ 0.31, 0.12, 0.05 ]`, possibly over several lines.
      const lossText = out.slice(out.indexOf('training loss per epoch'), out.indexOf('next value'));
      const losses = (lossText.match(/-?\d+(\.\d+)?(e-?\d+)?/g) ?? []).map(Number);
      expect(losses.length).toBe(3);
      expect(losses[2]).toBeLessThan(losses[0]);
      expect(Number.isFinite(Number(/next value (\S+)/.exec(out)![1]))).toBe(true);
      // Progress: one line per epoch, in order, before the summary.
      const progress = [...out.matchAll(/^epoch (\d)\/3: step (\d+)\/(\d+), loss \S+, ETA (\S+) s$/gm)];
      expect(progress.map((m) => Number(m[1]))).toEqual([1, 2, 3]);
      // Steps count up to the total; the ETA reaches 0 at the last step.
      const total = Number(progress[0][3]);
      expect(progress.map((m) => Number(m[2]))).toEqual([total / 3, (2 * total) / 3, total]);
      expect(Number(progress[2][4])).toBe(0);
      // The saved bundle (graph + weights) loads here too, outside the quickstart.
      const reloaded = loadModelBundle(new Uint8Array(readFileSync(join(dir, 'model.safetensors'))));
      expect(reloaded.spec.layers.map((l) => l.type)).toEqual(['recurrent', 'select', 'linear']);
      reloaded.dispose();
      expect(existsSync(join(dir, 'model.onnx'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
