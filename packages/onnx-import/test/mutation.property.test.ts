import { createCpuBackend } from '@rnnkit/backend-cpu';
import { RnnkitError } from '@rnnkit/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { ImportedOnnx } from '../src/index.js';
import { importOnnx, runImported } from '../src/index.js';
import { loadFixtures } from './fixtures.js';
import { maxScaledDiffAll, ORT_TOLERANCE, runOrt } from './helpers.js';

/**
 * Valid files mutated at random (bytes overwritten, huge varints written, slices cut out or
 * repeated, the end truncated): every outcome is an RnnkitError (INVALID_FILE / UNSUPPORTED)
 * or an import that computes what onnxruntime computes on the same mutated file — never
 * another error, a crash or a silently different model.
 */

const fixtures = loadFixtures();
const regressionFixture = fixtures.findIndex((f) => f.name === 'reverse_rnn_time_major_h0');
if (regressionFixture < 0) throw new Error('fixture reverse_rnn_time_major_h0 is missing');
const tally = { refused: 0, imported: 0, comparedWithOrt: 0, ortRefused: 0 };
afterAll(() => console.log(`mutated files: ${JSON.stringify(tally)}`));

type Mutation =
  | { kind: 'overwrite'; at: number; bytes: number[] }
  | { kind: 'bigVarint'; at: number }
  | { kind: 'cut'; at: number; length: number }
  | { kind: 'repeat'; at: number; length: number }
  | { kind: 'truncate'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('overwrite' as const), at: fc.nat(), bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('bigVarint' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

function apply(bytes: Uint8Array, m: Mutation): Uint8Array {
  const at = m.at % Math.max(bytes.length, 1);
  switch (m.kind) {
    case 'overwrite': {
      const out = bytes.slice();
      m.bytes.forEach((b, i) => {
        if (at + i < out.length) out[at + i] = b;
      });
      return out;
    }
    case 'bigVarint': {
      const out = bytes.slice();
      [0xff, 0xff, 0xff, 0xff, 0x0f].forEach((b, i) => {
        if (at + i < out.length) out[at + i] = b;
      });
      return out;
    }
    case 'cut':
      return Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(at + m.length)]);
    case 'repeat':
      return Uint8Array.from([...bytes.subarray(0, at + m.length), ...bytes.subarray(at, at + m.length), ...bytes.subarray(at + m.length)]);
    case 'truncate':
      return bytes.subarray(0, at);
  }
}

describe('randomly mutated files', async () => {
  const backend = await createCpuBackend();
  it('import correctly or fail with RnnkitError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: fixtures.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 3 }), async (which, mutations) => {
        const f = fixtures[which];
        const bytes = mutations.reduce(apply, f.bytes);
        let imported: ImportedOnnx;
        try {
          imported = importOnnx(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(RnnkitError);
          expect(['INVALID_FILE', 'UNSUPPORTED', 'NON_FINITE']).toContain((e as RnnkitError).code);
          expect((e as RnnkitError).message).not.toMatch(/internal error/);
          tally.refused++;
          return;
        }
        tally.imported++;
        // Imported: when onnxruntime runs the same file on the fixture's feeds, both agree.
        let theirs: Awaited<ReturnType<typeof runOrt>>;
        try {
          theirs = await runOrt(bytes, f.feeds);
        } catch {
          tally.ortRefused++;
          return;
        }
        let ours: Awaited<ReturnType<typeof runImported>>;
        try {
          ours = await runImported(imported, imported.model.to(backend), f.feeds);
        } catch (e) {
          // A mutation that changes the expected input shapes: rnnkit must say so with its error.
          expect(e).toBeInstanceOf(RnnkitError);
          tally.ortRefused++;
          return;
        }
        tally.comparedWithOrt++;
        // Mutated weights can make outputs large: compared relative to each output's magnitude past 1 (see maxScaledDiffAll).
        expect(maxScaledDiffAll(ours, theirs)).toBeLessThanOrEqual(ORT_TOLERANCE);
      }),
      {
        numRuns: 400,
        // Found by this property (seed 1015563472): a TensorShapeProto.dim tag rewritten as a
        // varint. Protobuf-ES read past the shape and dropped the next graph output while
        // onnxruntime kept it; readModelProto's wire check now refuses the file.
        examples: [[regressionFixture, [{ kind: 'overwrite', at: 2147483635, bytes: [16] }]]],
      },
    );
  });
});
