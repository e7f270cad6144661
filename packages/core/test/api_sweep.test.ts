/**
 * Issue #14: only RnnkitError leaves the public API. Every exported function of @rnnkit/core,
 * every public constructor and the methods of models, optimizers and streams, called with
 * hostile arguments (nothing, null, NaN, BigInt, symbols, wrong shapes and types), must either
 * return or throw (or reject with) an RnnkitError — never a TypeError or RangeError.
 */
import { describe, expect, it } from 'vitest';
import * as core from '../src/index.js';
import { RnnkitError } from '../src/index.js';
import { createReferenceBackend } from '../src/testing/index.js';

const HOSTILE: unknown[] = [
  undefined,
  null,
  Number.NaN,
  -1,
  1.5,
  1e300,
  'x',
  1n,
  {},
  [],
  [null],
  { data: null, shape: null },
  { shape: [2, 2] },
  { length: 3 },
  Symbol('s'),
  () => 1,
];
const SECOND: unknown[] = [undefined, null, {}, 'x', Number.NaN, [], 1n, { limits: null }, { prefixes: 'a' }];

function show(a: unknown): string {
  if (typeof a === 'bigint') return `${a}n`;
  if (typeof a === 'symbol') return 'Symbol()';
  if (typeof a === 'function') return 'fn';
  return JSON.stringify(a) ?? String(a);
}

/** Calls f with every hostile combination; returns the calls that threw something other than an RnnkitError. */
async function sweep(label: string, f: (...args: unknown[]) => unknown): Promise<string[]> {
  const bad: string[] = [];
  const combos: unknown[][] = [[]];
  for (const a of HOSTILE) combos.push([a]);
  for (const a of HOSTILE) for (const b of SECOND) combos.push([a, b]);
  for (const args of combos) {
    try {
      const r = f(...args);
      if (r && typeof (r as Promise<unknown>).then === 'function') {
        await Promise.race([r, new Promise((resolve) => setTimeout(resolve, 2000))]);
      }
    } catch (e) {
      if (!(e instanceof RnnkitError)) {
        bad.push(`${label}(${args.map(show).join(', ')}): ${(e as Error)?.name}: ${String((e as Error)?.message).slice(0, 120)}`);
        break; // one per function is enough to show
      }
    }
  }
  return bad;
}

describe('only RnnkitError leaves the public API', () => {
  it('every exported function and public constructor of @rnnkit/core', async () => {
    const bad: string[] = [];
    let swept = 0;
    for (const [name, f] of Object.entries(core)) {
      if (typeof f !== 'function') continue;
      if (name === 'Vocabulary' || name === 'RnnkitError') continue; // a private constructor; the error class itself
      const isClass = /^class\b/.test(Function.prototype.toString.call(f));
      bad.push(
        ...(await sweep(name, (...args) => (isClass ? new (f as new (...a: unknown[]) => unknown)(...args) : (f as (...a: unknown[]) => unknown)(...args)))),
      );
      swept++;
    }
    expect(swept).toBeGreaterThan(60);
    expect(bad).toEqual([]);
  }, 300_000);

  it('the methods of a model, an optimizer, a stream, a Seq2Seq and a backend', async () => {
    const be = createReferenceBackend();
    const bad: string[] = [];
    const fresh = () => core.sequential([core.lstm({ inputSize: 2, hiddenSize: 3 }), core.linear({ outFeatures: 2 })]).to(be);
    for (const method of ['forward', 'predict', 'to', 'toAsync', 'loadStateDict', 'replaceParameters', 'parameters', 'stateDict'] as const) {
      const m = fresh();
      bad.push(...(await sweep(`model.${method}`, (...a) => (m[method] as (...x: unknown[]) => unknown)(...a))));
      m.dispose();
    }
    const m = fresh();
    const o = core.adam({ lr: 0.1 });
    bad.push(...(await sweep('optimizer.step', (...a) => o.step(a[0] as never))));
    const st = core.stream(m);
    bad.push(...(await sweep('stream.push', (...a) => st.push(a[0] as never, a[1] as never))));
    const s2s = core.Seq2Seq.create({ cell: 'gru', srcVocab: 5, tgtVocab: 6, embeddingDim: 3, hiddenSize: 4, bos: 0, eos: 1 }).to(be);
    bad.push(...(await sweep('seq2seq.greedy', (...a) => s2s.greedy(a[0] as never, a[1] as never))));
    bad.push(...(await sweep('seq2seq.beamSearch', (...a) => s2s.beamSearch(a[0] as never, a[1] as never))));
    for (const op of [
      'upload',
      'zeros',
      'fill',
      'read',
      'dispose',
      'reshape',
      'matmul',
      'add',
      'affine',
      'gatherRows',
      'scatterAddRows',
      'concatRows',
      'sliceRows',
      'recurrentForward',
      'sgdUpdate',
      'adamUpdate',
    ] as const) {
      bad.push(...(await sweep(`backend.${op}`, (...a) => (be[op] as (...x: unknown[]) => unknown).apply(be, a))));
    }
    const withModel: Record<string, (...x: unknown[]) => unknown> = {
      fit: core.fit as never,
      evaluate: core.evaluate as never,
      fitTruncated: core.fitTruncated as never,
      predictClasses: core.predictClasses as never,
      tagSequences: core.tagSequences as never,
      generateTokens: core.generateTokens as never,
      generateValues: core.generateValues as never,
    };
    for (const [name, f] of Object.entries(withModel)) bad.push(...(await sweep(`${name}(model, …)`, (...a) => f(m, ...a))));
    bad.push(...(await sweep('loadWeights(model, …)', (...a) => core.loadWeights(m, a[0] as never, a[1] as never))));
    expect(bad).toEqual([]);
    st.dispose();
    o.dispose();
    m.dispose();
  }, 300_000);
});
