import { describe, expect, it } from 'vitest';
import {
  batchCount,
  charVocabulary,
  createSequences,
  iterateBatches,
  padSequences,
  padTokens,
  shuffledIndices,
  sliceRows,
  takeRows,
  trainValidationSplit,
  Vocabulary,
  wordVocabulary,
  ZScore,
} from '../src/index.js';
import { thrown } from './helpers.js';

describe('createSequences', () => {
  it('makes univariate windows [N, window, 1] and targets [N, horizon]', () => {
    const { x, y } = createSequences([0, 1, 2, 3, 4, 5, 6], { window: 3, horizon: 2 });
    expect(x.shape).toEqual([3, 3, 1]);
    expect(Array.from(x.data)).toEqual([0, 1, 2, 1, 2, 3, 2, 3, 4]);
    expect(y.shape).toEqual([3, 2]);
    expect(Array.from(y.data)).toEqual([3, 4, 4, 5, 5, 6]);
  });

  it('takes the seed positional form and defaults horizon to 1', () => {
    const { x, y } = createSequences(Float32Array.from([1, 2, 3, 4]), 2);
    expect(x.shape).toEqual([2, 2, 1]);
    expect(Array.from(y.data)).toEqual([3, 4]);
    expect(createSequences([1, 2, 3, 4], 2, 1)).toEqual(createSequences([1, 2, 3, 4], { window: 2, horizon: 1 }));
  });

  it('multivariate: x [N, window, D], y flat [N, horizon*D] steps outer, or [N, horizon, D]', () => {
    const rows = [
      [0, 10],
      [1, 11],
      [2, 12],
      [3, 13],
      [4, 14],
    ];
    const flat = createSequences(rows, { window: 2, horizon: 2 });
    expect(flat.x.shape).toEqual([2, 2, 2]);
    expect(Array.from(flat.x.data)).toEqual([0, 10, 1, 11, 1, 11, 2, 12]);
    expect(flat.y.shape).toEqual([2, 4]);
    expect(Array.from(flat.y.data)).toEqual([2, 12, 3, 13, 3, 13, 4, 14]);
    const steps = createSequences(rows, { window: 2, horizon: 2, targetLayout: 'steps' });
    expect(steps.y.shape).toEqual([2, 2, 2]);
    expect(steps.y.data).toEqual(flat.y.data);
    const one = createSequences({ data: Float32Array.from(rows.flat()), shape: [5, 2] }, { window: 3, targets: [1] });
    expect(one.y.shape).toEqual([2, 1]);
    expect(Array.from(one.y.data)).toEqual([13, 14]);
  });

  it('stride skips window starts', () => {
    const { x, y } = createSequences([0, 1, 2, 3, 4, 5, 6, 7], { window: 2, horizon: 1, stride: 3 });
    expect(x.shape).toEqual([2, 2, 1]);
    expect(Array.from(x.data)).toEqual([0, 1, 3, 4]);
    expect(Array.from(y.data)).toEqual([2, 5]);
  });

  it('checks its arguments, naming them', () => {
    let e = thrown(() => createSequences([1, 2, 3], { window: 3, horizon: 1 }));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.argument).toBe('data');
    expect(e.message).toMatch(/at least window \+ horizon = 4 steps, got 3/);
    expect(thrown(() => createSequences([1, 2, 3], { window: 0 })).argument).toBe('window');
    expect(thrown(() => createSequences([1, 2, 3], { window: 1, horizon: 1.5 })).argument).toBe('horizon');
    expect(thrown(() => createSequences([1, 2, 3], { window: 1, stride: -1 })).argument).toBe('stride');
    e = thrown(() => createSequences([1, Number.NaN, 3], 1));
    expect(e.argument).toBe('data[1]');
    e = thrown(() => createSequences([[1, 2], [3]], 1));
    expect(e.code).toBe('SHAPE_MISMATCH');
    expect(e.argument).toBe('data[1]');
    expect(e.message).toMatch(/expected 2 features .* got "1 features"|expected 2 features/);
    expect(
      thrown(() =>
        createSequences(
          [
            [1, 2],
            [3, 4],
            [5, 6],
          ],
          { window: 1, targets: [2] },
        ),
      ).argument,
    ).toBe('targets[0]');
    expect(thrown(() => createSequences([1, 2, 3], { window: 1, targetLayout: 'grid' as never })).argument).toBe('targetLayout');
    const t = thrown(() => createSequences({ data: new Float32Array(5), shape: [3, 2] }, 1));
    expect(t.code).toBe('SHAPE_MISMATCH');
  });
});

describe('rows, shuffling and batching', () => {
  it('takeRows / sliceRows keep the kind and the trailing shape', () => {
    const x = { data: Float32Array.from([0, 1, 2, 3, 4, 5]), shape: [3, 2] };
    expect(takeRows(x, [2, 0])).toEqual({ data: Float32Array.from([4, 5, 0, 1]), shape: [2, 2] });
    expect(sliceRows(x, -1)).toEqual({ data: Float32Array.from([4, 5]), shape: [1, 2] });
    expect(takeRows(Int32Array.from([7, 8, 9]), [1])).toEqual(Int32Array.from([8]));
    expect(takeRows({ ids: [1, 2, 3, 4], shape: [2, 2] }, [1])).toEqual({ ids: [3, 4], shape: [1, 2] });
    expect(takeRows({ ids: Int32Array.from([5, 6, 7]), shape: [3] }, [2, 0])).toEqual({ ids: Int32Array.from([7, 5]), shape: [2] });
    expect(thrown(() => takeRows({ ids: [1, 2, 3], shape: [2, 2] }, [0])).code).toBe('SHAPE_MISMATCH');
    expect(thrown(() => takeRows(x, [3])).argument).toBe('indices[0]');
  });

  it('shuffledIndices is a seeded permutation', () => {
    const a = shuffledIndices(50, 7);
    expect(Array.from(a).sort((p, q) => p - q)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(shuffledIndices(50, 7)).toEqual(a);
    expect(shuffledIndices(50, 8)).not.toEqual(a);
  });

  it('iterates batches with lengths, covering every row once', () => {
    const { x, lengths } = padSequences([[1], [1, 2], [1, 2, 3], [1, 2, 3, 4], [5]]);
    const y = Float32Array.from([0, 1, 2, 3, 4]);
    const seen: number[] = [];
    const sizes: number[] = [];
    for (const b of iterateBatches({ x, y, lengths }, { batchSize: 2, shuffle: true, seed: 3 })) {
      sizes.push(b.indices.length);
      expect(b.x.shape).toEqual([b.indices.length, 4, 1]);
      expect(b.lengths).toBeInstanceOf(Int32Array);
      b.indices.forEach((r, i) => {
        seen.push(r);
        expect(b.y[i]).toBe(r);
        expect(b.lengths[i]).toBe(lengths[r]);
        expect(Array.from(b.x.data.subarray(i * 4, i * 4 + 4))).toEqual(Array.from(x.data.subarray(r * 4, r * 4 + 4)));
      });
    }
    expect(sizes).toEqual([2, 2, 1]);
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4]);
    expect(batchCount({ x }, { batchSize: 2, dropLast: true })).toBe(2);
    const optional = { x, lengths: undefined as Int32Array | undefined };
    const first = iterateBatches(optional, { batchSize: 2 }).next().value!;
    expect(first.lengths).toBeUndefined();
    expect(first.x.shape).toEqual([2, 4, 1]);
    expect(trainValidationSplit(optional, { validationSize: 1 }).validation.lengths).toBeUndefined();
  });

  it('is deterministic per seed and epoch, in order without shuffle', () => {
    const x = Float32Array.from({ length: 20 }, (_, i) => i);
    const order = (o: object) => [...iterateBatches({ x }, { batchSize: 20, ...o })][0].indices;
    expect(Array.from(order({}))).toEqual(Array.from(x));
    expect(order({ shuffle: true, seed: 1, epoch: 2 })).toEqual(order({ shuffle: true, seed: 1, epoch: 2 }));
    expect(order({ shuffle: true, seed: 1, epoch: 2 })).not.toEqual(order({ shuffle: true, seed: 1, epoch: 3 }));
  });

  it('checks fields up front (not on first next())', () => {
    const e = thrown(() => iterateBatches({ x: { data: new Float32Array(6), shape: [3, 2] }, y: [1, 2] }, { batchSize: 2 }));
    expect(e.code).toBe('SHAPE_MISMATCH');
    expect(e.argument).toBe('data.y');
    expect(e.message).toMatch(/expected 3 rows \(like data.x\), got 2/);
    expect(thrown(() => iterateBatches({ x: [1] }, { batchSize: 0 })).argument).toBe('batchSize');
    expect(thrown(() => iterateBatches({ x: [1] }, { batchSize: 1, seed: 0.5 })).argument).toBe('seed');
  });
});

describe('padding', () => {
  it('pads float sequences after their lengths, batch-first or time-major', () => {
    const p = padSequences([
      [
        [1, 2],
        [3, 4],
      ],
      [[5, 6]],
    ]);
    expect(p.x.shape).toEqual([2, 2, 2]);
    expect(Array.from(p.x.data)).toEqual([1, 2, 3, 4, 5, 6, 0, 0]);
    expect(Array.from(p.lengths)).toEqual([2, 1]);
    const t = padSequences([[1, 2, 3], [4]], { batchFirst: false, value: -1 });
    expect(t.x.shape).toEqual([3, 2, 1]);
    expect(Array.from(t.x.data)).toEqual([1, 4, 2, -1, 3, -1]);
  });

  it('truncates pre or post to maxLength', () => {
    expect(Array.from(padSequences([[1, 2, 3, 4]], { maxLength: 2 }).x.data)).toEqual([1, 2]);
    const pre = padTokens([[1, 2, 3, 4], [5]], { maxLength: 2, truncate: 'pre', padId: -100 });
    expect(Array.from(pre.ids)).toEqual([3, 4, 5, -100]);
    expect(pre.shape).toEqual([2, 2]);
    expect(Array.from(pre.lengths)).toEqual([2, 1]);
  });

  it('rejects empty and ragged input', () => {
    expect(thrown(() => padSequences([[1], []])).argument).toBe('seqs[1]');
    expect(thrown(() => padSequences([[[1, 2]], [[1]]])).argument).toBe('seqs[1][0]');
    expect(thrown(() => padTokens([[1, 2.5]])).argument).toBe('seqs[0][1]');
    expect(thrown(() => padTokens([])).argument).toBe('seqs');
    expect(thrown(() => padTokens([[1]], { maxLength: 0 })).argument).toBe('maxLength');
  });
});

describe('vocabularies', () => {
  it('character vocabulary: pad 0, unk 1, by count; encode/decode round trip', () => {
    const v = charVocabulary('hello world');
    expect(v.tokens.slice(0, 4)).toEqual(['<pad>', '<unk>', 'l', 'o']);
    expect(v.padId).toBe(0);
    expect(v.unkId).toBe(1);
    const ids = v.encode('hold');
    expect(v.decode(ids)).toBe('hold');
    expect(v.encode('z')).toEqual([1]);
    expect(v.decode([0, ...v.encode('he'), 0])).toBe('he');
    expect(v.decode([0, ...v.encode('he')], { keepPadding: true })).toBe('<pad>he');
  });

  it('handles code points beyond the BMP as single characters', () => {
    const v = charVocabulary('a😀b');
    expect(v.encode('😀')).toHaveLength(1);
    expect(v.decode(v.encode('b😀a'))).toBe('b😀a');
  });

  it('word vocabulary: words and punctuation, specials, minCount, maxSize, lowercase', () => {
    const v = wordVocabulary(['The cat sat.', "the cat didn't run!"], { lowercase: true, specials: ['<s>', '</s>'], minCount: 2 });
    expect(v.tokens).toEqual(['<pad>', '<unk>', '<s>', '</s>', 'cat', 'the']);
    expect(v.tokenize("Didn't stop.")).toEqual(["didn't", 'stop', '.']);
    expect(v.decode(v.encode('the cat ran'))).toBe('the cat <unk>');
    const small = wordVocabulary('a a a b b c', { maxSize: 3 });
    expect(small.tokens).toEqual(['<pad>', '<unk>', 'a']);
    const eos = v.idOf('</s>');
    expect(v.decode([v.idOf('the'), eos, v.idOf('cat')], { stopAt: eos })).toBe('the');
  });

  it('without unk, unknown tokens are an error; JSON round trip', () => {
    const v = charVocabulary('abc', { unk: null, pad: null });
    expect(v.size).toBe(3);
    expect(thrown(() => v.encode('abd')).argument).toBe('token');
    const w = Vocabulary.fromJSON(JSON.stringify(wordVocabulary('x y z y')));
    expect(w.encode('z y')).toEqual(wordVocabulary('x y z y').encode('z y'));
    expect(thrown(() => Vocabulary.fromJSON('{"format":"nope"}')).argument).toBe('json');
    expect(thrown(() => v.decode([3])).argument).toBe('ids[0]');
    expect(thrown(() => charVocabulary('x', { specials: ['<pad>'] })).argument).toBe('specials');
  });
});

describe('z-score normalization', () => {
  it('fits on the training data only and inverts exactly', () => {
    const train = [1, 2, 3, 4];
    const z = ZScore.fit(train);
    expect(z.mean[0]).toBe(2.5);
    expect(z.std[0]).toBeCloseTo(Math.sqrt(1.25), 15);
    const t = z.transform([2.5, 100]);
    expect(t[0]).toBe(0);
    expect(z.inverse(t)[1]).toBeCloseTo(100, 12);
  });

  it('per feature on rows and tensors; flat [N, horizon*D] targets and a single feature', () => {
    const rows = [
      [0, 100],
      [2, 300],
    ];
    const z = ZScore.fit(rows);
    expect(Array.from(z.mean)).toEqual([1, 200]);
    expect(Array.from(z.std)).toEqual([1, 100]);
    expect(z.transform(rows)).toEqual([
      [-1, -1],
      [1, 1],
    ]);
    const flat = { data: Float32Array.from([1, 1, -1, -1]), shape: [1, 4] };
    expect(Array.from(z.inverse(flat).data)).toEqual([2, 300, 0, 100]);
    expect(Array.from(z.inverse({ data: Float32Array.from([1, 2]), shape: [2, 1] }, { features: 1 }).data)).toEqual([300, 400]);
    const e = thrown(() => z.inverse([1, 2, 3]));
    expect(e.code).toBe('SHAPE_MISMATCH');
    expect(e.message).toMatch(/pass \{ features \}/);
  });

  it('constant features get std 1; JSON round trip; non-finite rejected', () => {
    const z = ZScore.fit([
      [5, 1],
      [5, 2],
    ]);
    expect(z.std[0]).toBe(1);
    expect(ZScore.fromJSON(JSON.parse(JSON.stringify(z))).transform([[6, 1.5]])).toEqual([[1, 0]]);
    expect(thrown(() => ZScore.fit([1, Number.POSITIVE_INFINITY])).code).toBe('NON_FINITE');
    expect(thrown(() => z.transform([[1, 2]], { features: 2 })).argument).toBe('features');
  });
});

describe('train/validation split', () => {
  it('keeps order by default: the tail is validation', () => {
    const s = trainValidationSplit([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], { validationFraction: 0.3 });
    expect(s.train).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(s.validation).toEqual([7, 8, 9]);
  });

  it('overlap gives the validation windows their context; each target once', () => {
    const series = Array.from({ length: 20 }, (_, i) => i);
    const { train, validation } = trainValidationSplit(series, { validationSize: 5, overlap: 3 });
    expect(validation[0]).toBe(12);
    const tr = createSequences(train, { window: 3 });
    const va = createSequences(validation, { window: 3 });
    expect(Array.from(tr.y.data).at(-1)).toBe(14);
    expect(Array.from(va.y.data)).toEqual([15, 16, 17, 18, 19]);
  });

  it('seeded shuffle of a record keeps fields aligned', () => {
    const data = { x: { data: Float32Array.from({ length: 20 }, (_, i) => i), shape: [10, 2] }, y: Int32Array.from({ length: 10 }, (_, i) => i) };
    const s = trainValidationSplit(data, { validationFraction: 0.2, shuffle: true, seed: 5 });
    expect(s.train.y.length).toBe(8);
    expect(s.validation.x.shape).toEqual([2, 2]);
    for (const [i, r] of s.validation.y.entries()) expect(s.validation.x.data[i * 2]).toBe(r * 2);
    expect(trainValidationSplit(data, { shuffle: true, seed: 5 })).toEqual(s);
  });

  it('checks its arguments', () => {
    expect(thrown(() => trainValidationSplit([1], {})).argument).toBe('data');
    expect(thrown(() => trainValidationSplit([1, 2], { validationFraction: 1 })).argument).toBe('validationFraction');
    expect(thrown(() => trainValidationSplit([1, 2], { validationSize: 2 })).argument).toBe('validationSize');
    expect(thrown(() => trainValidationSplit([1, 2, 3], { shuffle: true, overlap: 1 })).argument).toBe('overlap');
  });
});
