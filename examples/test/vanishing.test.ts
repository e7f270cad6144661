import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { decay, runVanishing } from '../src/vanishing.js';

it('shows the RNN gradient vanishing where gated cells with open gates keep it, as JSON and SVG', async () => {
  const outDir = mkdtempSync(join(tmpdir(), 'rnnkit-vanishing-'));
  const r = await runVanishing({ quiet: true, epochs: 8, stride: 7, outDir });
  const d = Object.fromEntries(Object.entries(r.runs).map(([k, v]) => [k, decay(v.init)]));
  console.log(
    `vanishing: ‖∂L/∂h‖ ${r.T} steps back / 1 step back at init: ${Object.entries(d)
      .map(([k, v]) => `${k} ${v.toExponential(1)}`)
      .join(', ')}; accuracy ${Object.entries(r.runs)
      .map(([k, v]) => `${k} ${(100 * v.accuracy).toFixed(0)}%`)
      .join(', ')} (${r.seconds.toFixed(1)} s)`,
  );
  expect(d.rnn).toBeLessThan(1e-6);
  expect(d.lstm_open_gates).toBeGreaterThan(1e-2);
  expect(d.gru_open_gates).toBeGreaterThan(1e-2);
  // What the gradient means for learning: only the cells whose gradient reaches step 0 learn the task.
  expect(r.runs.rnn.accuracy).toBeLessThan(0.7);
  expect(r.runs.lstm_open_gates.accuracy).toBeGreaterThan(0.9);
  expect(r.runs.gru_open_gates.accuracy).toBeGreaterThan(0.9);
  const json = JSON.parse(readFileSync(r.files.json, 'utf8'));
  expect(Object.keys(json.runs)).toEqual(['rnn', 'lstm', 'gru', 'lstm_open_gates', 'gru_open_gates']);
  expect(json.runs.rnn.init[0][0]).toBe(1);
  const svg = readFileSync(r.files.svg, 'utf8');
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg.match(/<path d="M/g)!.length).toBe(5);
});
