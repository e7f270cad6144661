import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BENCH_JSON, DOC_FILES, fillMarkers, REPO_ROOT, updateDocs } from '../src/docs_tables.js';
import { readJson } from '../src/report/json.js';
import { renderMarkdown } from '../src/report/markdown.js';

/**
 * The result tables in the READMEs are generated from the committed docs/bench.json by
 * `pnpm docs:tables`. This fails when a README says something else: a hand edit inside a
 * generated block, a new bench.json committed without rerunning the script, or a renderer change.
 */

const report = readJson(join(REPO_ROOT, BENCH_JSON));

describe('generated README tables', () => {
  it.each(DOC_FILES)('%s matches what pnpm docs:tables writes from docs/bench.json', (file) => {
    const text = readFileSync(join(REPO_ROOT, file), 'utf8');
    expect(text, `${file} has no generated block`).toMatch(/<!-- bench:[\w-]+:start/);
    expect(text, `${file} is stale: run pnpm docs:tables`).toBe(fillMarkers(text, report, file));
  });

  it('updateDocs without write reports every file as unchanged', () => {
    const updates = updateDocs(REPO_ROOT, { write: false });
    expect(updates.map((u) => u.file)).toEqual([...DOC_FILES]);
    for (const u of updates) {
      expect(u.changed, u.file).toBe(false);
      expect(u.blocks, u.file).toBeGreaterThan(0);
    }
  });

  it('the bench README block is the same renderer output as results/bench.md', () => {
    const text = readFileSync(join(REPO_ROOT, 'apps/bench/README.md'), 'utf8');
    expect(text).toContain(renderMarkdown(report).trimEnd());
  });
});

describe('fillMarkers', () => {
  const doc = (name: string, opts = '', body = 'old text') =>
    `# T\n\nbefore\n<!-- bench:${name}:start${opts} -->\n${body}\n<!-- bench:${name}:end -->\nafter\n`;

  it('replaces only the text between the markers, keeping the markers and options', () => {
    const out = fillMarkers(doc('speed-summary', ' engines=cpu,onnxruntime 1t'), report);
    expect(
      out.startsWith('# T\n\nbefore\n<!-- bench:speed-summary:start engines=cpu,onnxruntime 1t -->\n\n| cell | D,H,T,B | engine | forward ms | train ms |'),
    ).toBe(true);
    expect(out.endsWith('\n\n<!-- bench:speed-summary:end -->\nafter\n')).toBe(true);
    expect(out).not.toContain('old text');
  });

  it('engines= keeps only the named engines', () => {
    const out = fillMarkers(doc('speed-summary', ' engines=onnxruntime 1t'), report);
    const engines = new Set(
      out
        .split('\n')
        .filter((l) => /^\| (rnn_tanh|lstm|gru) /.test(l))
        .map((l) => l.split(' | ')[2]),
    );
    expect([...engines]).toEqual(['onnxruntime 1t']);
  });

  it('is idempotent', () => {
    const once = fillMarkers(doc('conformance'), report);
    expect(fillMarkers(once, report)).toBe(once);
  });

  it('rejects unknown sections, mismatched and unpaired markers, unknown options', () => {
    expect(() => fillMarkers(doc('nonsense'), report)).toThrow(/unknown section bench:nonsense/);
    expect(() => fillMarkers('<!-- bench:speed:start -->\nx\n<!-- bench:status:end -->\n', report)).toThrow(/closed by bench:status:end/);
    expect(() => fillMarkers('<!-- bench:speed:start -->\nx\n', report)).toThrow(/without a partner/);
    expect(() => fillMarkers(doc('speed', ' cells=lstm'), report)).toThrow(/unknown marker options/);
  });
});
