import { fail } from '../errors.js';
import type { HostTensor } from '../tensor.js';
import { positiveInteger } from './series.js';

/** Options of `padSequences` and `padTokens`. */
export interface PadOptions {
  /** Pad (and truncate) every sequence to this many steps (default: the longest). */
  maxLength?: number;
  /** Which end a sequence longer than maxLength loses: `'post'` (default) keeps its start, `'pre'` its end. */
  truncate?: 'pre' | 'post';
  /** `[N, T, …]` when true (default), `[T, N, …]` when false. */
  batchFirst?: boolean;
}

/** What `padSequences` returns: one batch of equal-length float sequences and their true lengths. */
export interface PaddedSequences {
  /** `[N, T, D]` (or `[T, N, D]`), zeros (or `value`) after each sequence's length. */
  x: HostTensor;
  /** Valid steps of each sequence, `[N]`: pass as `lengths` so padded steps are ignored. */
  lengths: Int32Array;
}

/** What `padTokens` returns: one batch of equal-length token-id sequences and their true lengths. */
export interface PaddedTokens {
  /** `[N, T]` (or `[T, N]`) ids, `padId` after each sequence's length: a model's `TokenInput`. */
  ids: Int32Array;
  /** `[N, T]` (or `[T, N]` when `batchFirst: false`). */
  shape: [number, number];
  /** Valid steps of each sequence, `[N]`: pass as `lengths` so padded steps are ignored. */
  lengths: Int32Array;
}

function readPadOptions(o: PadOptions, longest: number): { T: number; pre: boolean; batchFirst: boolean } {
  if (o === null || typeof o !== 'object') fail('INVALID_ARGUMENT', 'options', '{ maxLength?, truncate?, batchFirst? }', o);
  const T = o.maxLength === undefined ? longest : positiveInteger(o.maxLength, 'maxLength');
  const truncate = o.truncate ?? 'post';
  if (truncate !== 'pre' && truncate !== 'post') fail('INVALID_ARGUMENT', 'truncate', '"pre" or "post"', truncate);
  const batchFirst = o.batchFirst ?? true;
  if (typeof batchFirst !== 'boolean') fail('INVALID_ARGUMENT', 'batchFirst', 'a boolean', batchFirst);
  return { T, pre: truncate === 'pre', batchFirst };
}

function checkList(seqs: unknown, argument: string): readonly unknown[] {
  if (!Array.isArray(seqs) || seqs.length === 0) fail('INVALID_ARGUMENT', argument, 'a non-empty array of sequences', seqs);
  seqs.forEach((s, i) => {
    if (!Array.isArray(s) && !ArrayBuffer.isView(s)) fail('INVALID_ARGUMENT', `${argument}[${i}]`, 'an array of steps', s);
    if ((s as ArrayLike<unknown>).length === 0) fail('INVALID_LENGTHS', `${argument}[${i}]`, 'at least one step (an empty sequence has no output)', s);
  });
  return seqs;
}

/**
 * Pads variable-length float sequences into one batch. Each sequence is a list of steps: numbers
 * (one feature) or rows of D numbers. Padding goes after the valid steps, which is what
 * `lengths` means to a model (PyTorch's `pad_sequence` + `pack_padded_sequence`).
 */
export function padSequences(
  seqs: readonly (readonly number[] | Float32Array | readonly (readonly number[])[])[],
  options: PadOptions & { value?: number } = {},
): PaddedSequences {
  const list = checkList(seqs, 'seqs') as readonly ArrayLike<unknown>[];
  const multi = Array.isArray(list[0][0]);
  const D = multi ? (list[0][0] as unknown[]).length : 1;
  if (D < 1) fail('SHAPE_MISMATCH', 'seqs[0][0]', 'a step of at least one feature', list[0][0]);
  const value = options.value ?? 0;
  if (typeof value !== 'number' || !Number.isFinite(value)) fail('INVALID_ARGUMENT', 'value', 'a finite number', value);
  const { T, pre, batchFirst } = readPadOptions(options, Math.max(...list.map((s) => s.length)));
  const N = list.length;
  const x = new Float32Array(N * T * D).fill(value);
  const lengths = new Int32Array(N);
  for (let n = 0; n < N; n++) {
    const s = list[n];
    const L = Math.min(s.length, T);
    const offset = pre ? s.length - L : 0;
    lengths[n] = L;
    for (let t = 0; t < s.length; t++) {
      const step = s[t];
      const at = `seqs[${n}][${t}]`;
      if (multi) {
        if (!Array.isArray(step)) fail('INVALID_ARGUMENT', at, `a step of ${D} numbers (like seqs[0][0])`, step);
        if (step.length !== D) fail('SHAPE_MISMATCH', at, `${D} features (like seqs[0][0])`, `${step.length} features`);
      } else if (Array.isArray(step)) {
        fail('INVALID_ARGUMENT', at, 'a number (seqs[0] holds numbers)', step);
      }
      const row = t - offset;
      for (let d = 0; d < D; d++) {
        const v = multi ? (step as unknown[])[d] : step;
        if (typeof v !== 'number' || !Number.isFinite(v)) fail('INVALID_ARGUMENT', multi ? `${at}[${d}]` : at, 'a finite number', v);
        if (row < 0 || row >= L) continue;
        const pos = batchFirst ? (n * T + row) * D + d : (row * N + n) * D + d;
        x[pos] = v;
      }
    }
  }
  return { x: { data: x, shape: batchFirst ? [N, T, D] : [T, N, D] }, lengths };
}

/**
 * Pads variable-length id sequences (tokens, or per-step class labels) into `[N, T]` with
 * `padId` (default 0; use e.g. -100 for labels a loss should ignore) after each length.
 */
export function padTokens(seqs: readonly (readonly number[] | Int32Array)[], options: PadOptions & { padId?: number } = {}): PaddedTokens {
  const list = checkList(seqs, 'seqs') as readonly ArrayLike<unknown>[];
  const padId = options.padId ?? 0;
  if (typeof padId !== 'number' || !Number.isInteger(padId)) fail('INVALID_ARGUMENT', 'padId', 'an integer', padId);
  const { T, pre, batchFirst } = readPadOptions(options, Math.max(...list.map((s) => s.length)));
  const N = list.length;
  const ids = new Int32Array(N * T).fill(padId);
  const lengths = new Int32Array(N);
  for (let n = 0; n < N; n++) {
    const s = list[n];
    const L = Math.min(s.length, T);
    const offset = pre ? s.length - L : 0;
    lengths[n] = L;
    for (let t = 0; t < s.length; t++) {
      const v = s[t];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) fail('INVALID_ARGUMENT', `seqs[${n}][${t}]`, 'an integer id', v);
      const row = t - offset;
      if (row < 0 || row >= L) continue;
      ids[batchFirst ? n * T + row : row * N + n] = v;
    }
  }
  return { ids, shape: batchFirst ? [N, T] : [T, N], lengths };
}
