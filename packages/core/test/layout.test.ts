import { describe, expect, it } from 'vitest';
import { batchToTimeMajor, checkRecurrentInputs, thrown as err, lastStepRows, reverseWithinLengths, timeToBatchMajor, variantSpecForTest } from './helpers.js';

describe('layout permutations', () => {
  it('batch-first ↔ time-major are inverse permutations', () => {
    const a = batchToTimeMajor(3, 4);
    const b = timeToBatchMajor(3, 4);
    for (let i = 0; i < 12; i++) expect(a[b[i]]).toBe(i);
  });
  it('reverses each sequence within its own length and is its own inverse', () => {
    const p = reverseWithinLengths(4, 2, Int32Array.from([4, 2]));
    // time-major rows t*B + b: sequence 1 has length 2, so steps 0,1 swap and 2,3 stay.
    expect([...p]).toEqual([6, 3, 4, 1, 2, 5, 0, 7]);
    for (let i = 0; i < 8; i++) expect(p[p[i]]).toBe(i);
  });
  it('last valid step rows', () => {
    expect([...lastStepRows(2, 4, Int32Array.from([4, 2]), true)]).toEqual([3, 5]);
    expect([...lastStepRows(2, 4, Int32Array.from([4, 2]), false)]).toEqual([6, 3]);
  });
});

describe('recurrent input checks', () => {
  const spec = variantSpecForTest();
  it('names the argument, the expected and the actual value', () => {
    expect(err(() => checkRecurrentInputs(spec, [2, 5, 4], {})).message).toBe(
      'x: expected 3 features (inputSize) in the last axis of [batch, seq, features], got shape [2, 5, 4]',
    );
    expect(err(() => checkRecurrentInputs(spec, [2, 0, 3], {})).code).toBe('SHAPE_MISMATCH');
    expect(err(() => checkRecurrentInputs(spec, [2, 5], {})).code).toBe('SHAPE_MISMATCH');
    expect(err(() => checkRecurrentInputs(spec, [2, 5, 3], { lengths: [5] })).message).toBe(
      'lengths: expected 2 entries (one per sequence in the batch), got 1 entries',
    );
    expect(err(() => checkRecurrentInputs(spec, [2, 5, 3], { lengths: [5, 6] })).message).toBe(
      'lengths[1]: expected an integer in 1..5 (the sequence length), got 6',
    );
    expect(err(() => checkRecurrentInputs(spec, [2, 5, 3], { lengths: [5, 0] })).code).toBe('INVALID_LENGTHS');
    expect(err(() => checkRecurrentInputs(spec, [2, 5, 3], { lengths: [5, 2.5] })).code).toBe('INVALID_LENGTHS');
    expect(err(() => checkRecurrentInputs(spec, [2, 5, 3], { h0Shape: [1, 3, 4] })).message).toBe(
      'h0: expected shape [1, 2, 4] [numLayers*numDirections, batch, hidden], got [1, 3, 4]',
    );
    expect(err(() => checkRecurrentInputs(spec, [2, 5, 3], { c0Shape: [1, 2, 4] })).code).toBe('INVALID_ARGUMENT');
    expect(err(() => checkRecurrentInputs(spec, [1, 200, 3], { maxSequenceLength: 100 })).message).toBe(
      'x: expected sequence length ≤ 100 (maxSequenceLength), got 200',
    );
  });
  it('drops lengths that all equal T (no masking needed)', () => {
    expect(checkRecurrentInputs(spec, [2, 5, 3], { lengths: [5, 5] }).lengths).toBeUndefined();
    expect([...checkRecurrentInputs(spec, [2, 5, 3], { lengths: [5, 3] }).lengths!]).toEqual([5, 3]);
  });
});
