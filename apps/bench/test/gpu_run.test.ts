import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * scripts/gpu-run.sh end to end on whatever adapter this machine has (lavapipe here, so with
 * --allow-software): the adapter check, the bench on webgpu (tiny conformance set, one small
 * shape, dispatch and submit counts in its rows), the PyTorch anchor (on the CPU where torch has
 * no CUDA, or skipped without PyTorch) merged into bench.json, and gpu-summary.md. Skipped with
 * the reason where there is no WebGPU adapter, except in CI.
 */
const SCRIPT = fileURLToPath(new URL('../scripts/gpu-run.sh', import.meta.url));

function adapterProblem(): string | undefined {
  const r = spawnSync('node', ['scripts/gpu-adapter.mjs', '--allow-software'], { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8' });
  return r.status === 0 ? undefined : `${r.stderr || r.stdout}`.trim();
}

describe('scripts/gpu-run.sh', () => {
  it('runs end to end with a software adapter allowed, and refuses one without the flag', () => {
    const problem = adapterProblem();
    if (problem) {
      if (process.env.CI) throw new Error(`gpu-run test needs a WebGPU adapter in CI: ${problem}`);
      console.log(`skipped: no WebGPU adapter: ${problem}`);
      return;
    }
    const out = mkdtempSync(join(tmpdir(), 'rnnkit-gpu-run-'));
    try {
      const r = spawnSync(
        'bash',
        [
          SCRIPT,
          '--allow-software',
          '--out',
          out,
          '--backends',
          'webgpu',
          '--conformance',
          'tiny',
          '--shapes',
          '8,16,8,2',
          '--repeats',
          '1',
          '--no-anchors',
          '--torch-cpu-fallback',
        ],
        { encoding: 'utf8', timeout: 600_000 },
      );
      const log = `${r.stdout}\n${r.stderr}`;
      expect(r.status, log.slice(-4000)).toBe(0);
      const adapter = JSON.parse(readFileSync(join(out, 'adapter.json'), 'utf8'));
      expect(adapter.engine).toMatch(/^webgpu \(/);
      const bench = JSON.parse(readFileSync(join(out, 'bench.json'), 'utf8'));
      const webgpuRows = bench.speed.rows.filter((x: { engine: string }) => x.engine.startsWith('webgpu'));
      expect(webgpuRows.length).toBe(6); // 3 cells × forward and training step
      for (const row of webgpuRows) {
        expect(row.medianMs, row.failure).toBeGreaterThan(0);
        expect(row.work.dispatches).toBeGreaterThan(0);
        expect(row.work.submits).toBeGreaterThan(0);
        expect(row.work.recurrentPath).toBe('sequence'); // H = 16, B = 2: the sequence kernels
      }
      const webgpuCases = bench.conformance.rows.filter((x: { backend: string }) => x.backend.startsWith('webgpu'));
      expect(webgpuCases.length).toBeGreaterThan(0);
      expect(webgpuCases.every((x: { pass: boolean }) => x.pass)).toBe(true);
      const anchor = JSON.parse(readFileSync(join(out, 'torch_anchor.json'), 'utf8'));
      if (anchor.skipped) {
        expect(log).toMatch(/anchor skipped/);
      } else {
        expect(anchor.rows.length).toBe(6);
        expect(bench.speed.rows.filter((x: { engine: string }) => x.engine.startsWith('pytorch')).length).toBe(6);
      }
      expect(readFileSync(join(out, 'gpu-summary.md'), 'utf8')).toContain('| lstm | 8,16,8,2 | forward |');
      for (const f of ['bench.md', 'bench.html']) expect(existsSync(join(out, f)), f).toBe(true);

      // Without --allow-software a software adapter is refused before anything is measured.
      const software = /llvmpipe|lavapipe|swiftshader|software|fallback/i.test(adapter.engine);
      if (software) {
        const refused = spawnSync('bash', [SCRIPT, '--out', join(out, 'refused'), '--backends', 'webgpu'], { encoding: 'utf8', timeout: 300_000 });
        expect(refused.status).not.toBe(0);
        expect(`${refused.stdout}${refused.stderr}`).toMatch(/SOFTWARE ADAPTER|no WebGPU adapter|not the NVIDIA|not NVIDIA/i);
        expect(existsSync(join(out, 'refused', 'bench.json'))).toBe(false);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 900_000);
});
