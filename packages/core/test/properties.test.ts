import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The property tests of test/heap/ (mutated safetensors files and specs) run in a child vitest
 * whose workers have a 256 MB heap (`--max-old-space-size`, test/heap/vitest.config.ts): an
 * out-of-memory in a file load fails this test, with the child's output, instead of killing the
 * runner.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const vitestBin = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');

describe('property tests under a heap cap (child process)', () => {
  it('limits before allocation (#14.1) and mutated files and specs: a correct load or a file/limit error, nothing changed, no out-of-memory', () => {
    const r = spawnSync(process.execPath, [vitestBin, 'run', '--config', 'test/heap/vitest.config.ts', '--reporter', 'verbose'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 600_000,
      env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'FORCE_COLOR')), NO_COLOR: '1' },
    });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips terminal colours
    const output = `${r.stdout}\n${r.stderr}`.replace(/\u001b\[[0-9;]*m/g, '');
    expect(r.error, output).toBeUndefined();
    expect(r.status, output).toBe(0);
    const counts = /Tests\s+(\d+) passed \((\d+)\)/.exec(output);
    expect(counts, output).not.toBeNull();
    expect(Number(counts![1])).toBe(Number(counts![2]));
    expect(Number(counts![1])).toBeGreaterThanOrEqual(9); // files.heap.ts and limits.heap.ts
    expect(output).not.toMatch(/heap out of memory|Worker exited unexpectedly/i);
  }, 660_000);
});
