import type { Backend } from '../backend/backend.js';
import { describe, RnnkitError } from '../errors.js';
import { linear } from '../graph/builders.js';
import type { EmbeddingSpec, RecurrentSpec } from '../graph/spec.js';
import type { TokenInput } from '../model/model.js';
import { Model, sequential } from '../model/model.js';
import type { Tensor } from '../tensor.js';
import type { IdTensor, TrainBatch, TrainData } from '../train/batch.js';
import { isIdTensor } from '../train/batch.js';
import type { Loss } from '../train/losses.js';
import { crossEntropy } from '../train/losses.js';
import type { Objective, ObjectiveRun } from '../train/objective.js';
import { checkClassIds, checkTokenInput, gradientGroup } from '../train/objective.js';
import type { CarriedState } from '../train/streaming.js';
import { carriedRecurrent, detachState, disposeState } from '../train/streaming.js';
import type { TaskCell } from './models.js';
import { trunk } from './models.js';

/** Options of `new Seq2Seq`: an embedding + recurrent encoder and decoder sharing one cell kind and size. */
export interface Seq2SeqOptions {
  /** Recurrent cell kind of both the encoder and the decoder. */
  cell: TaskCell;
  /** Source and target vocabulary sizes (the target one includes `bos` and `eos`). */
  srcVocab: number;
  /** Target vocabulary size: the decoder's embedding rows and its output classes (`bos` and `eos` included). */
  tgtVocab: number;
  /** Width of the source and target embedding vectors. */
  embeddingDim: number;
  /** H, the hidden state's width, shared by encoder and decoder (the encoder's final state starts the decoder). */
  hiddenSize: number;
  /** Stacked recurrent layers in each of encoder and decoder. @defaultValue 1 */
  numLayers?: number;
  /** Dropout between stacked recurrent layers, training only. @defaultValue 0 */
  dropout?: number;
  /** Start token fed to the decoder first, and the stop token that ends a target. */
  bos: number;
  /** End-of-sequence id: every training target ends with it; decoding stops at it. An id in 0..tgtVocab − 1. */
  eos: number;
  /** Seed of the initial parameters: the encoder uses `seed`, the decoder `seed + 1`. @defaultValue 0 */
  seed?: number;
}

/** Options of `Seq2Seq.greedy`. */
export interface DecodeOptions {
  /** Valid source steps per sequence. */
  lengths?: ArrayLike<number>;
  /** Most tokens to emit per sequence, the stop token included. */
  maxLength: number;
}

/** Options of `Seq2Seq.beamSearch`. */
export interface BeamOptions extends DecodeOptions {
  /** Hypotheses kept per source. Default 4. */
  beamWidth?: number;
  /** Scores are log p / length^lengthPenalty; 0 ranks by raw log-probability. Default 1. */
  lengthPenalty?: number;
}

function tokenModel(m: Model, role: string): { emb: EmbeddingSpec; rec: RecurrentSpec } {
  const rec = carriedRecurrent(m, `a seq2seq ${role}`);
  const emb = m.spec.layers[0];
  if (emb.type !== 'embedding')
    throw new RnnkitError('UNSUPPORTED', `${role}: expected a model that starts with an embedding (token ids in), got a ${emb.type} layer first`, {
      argument: role,
    });
  if (!rec.batchFirst) throw new RnnkitError('UNSUPPORTED', `${role}: expected a batch-first recurrent layer, got batchFirst: false`, { argument: role });
  return { emb, rec };
}

/**
 * Sequence-to-sequence, encoder–decoder (Sutskever et al. 2014): the encoder reads the source
 * (token ids `[B, S]`, each sequence to its own length) and its final state starts the decoder.
 * Training uses teacher forcing: the decoder reads `[bos, y_0, …, y_{U−2}]` and is scored on
 * `y` (which ends with `eos`), masked by `yLengths`. Decoding is greedy or beam search, one step
 * at a time with the state carried, until `eos` or `maxLength`.
 *
 * As an `Objective`, a Seq2Seq trains with `fit(seq2seq, { x: src, y: tgt, lengths, yLengths }, …)`.
 */
export class Seq2Seq implements Objective {
  /** The per-step loss on the decoder's output against the target ids. @defaultValue crossEntropy() */
  readonly loss: Loss;
  private readonly V: number;

  constructor(
    /** Reads the source: `[embedding, recurrent, …]`, batch-first, one unidirectional forward recurrent layer. */
    readonly encoder: Model,
    /** Emits the target: like the encoder (same cell, hiddenSize, numLayers) with per-step outputs, usually ending in a linear head over the target vocabulary. */
    readonly decoder: Model,
    /** The decoder's start and stop ids, each an id of the decoder's vocabulary (else INVALID_ARGUMENT). */
    readonly tokens: {
      /** Start id fed to the decoder at its first step. */
      bos: number;
      /** Stop id that ends a target and a decoded sequence. */
      eos: number;
    },
    loss: Loss = crossEntropy(),
  ) {
    const e = tokenModel(encoder, 'encoder');
    const d = tokenModel(decoder, 'decoder');
    if (e.rec.cell !== d.rec.cell || e.rec.hiddenSize !== d.rec.hiddenSize || e.rec.numLayers !== d.rec.numLayers) {
      throw new RnnkitError(
        'SHAPE_MISMATCH',
        `decoder: expected a ${e.rec.cell} layer with hiddenSize ${e.rec.hiddenSize} and numLayers ${e.rec.numLayers} like the encoder's (its final state starts the decoder), got ${d.rec.cell}, ${d.rec.hiddenSize}, ${d.rec.numLayers}`,
        { argument: 'decoder' },
      );
    }
    const last = decoder.spec.layers[decoder.spec.layers.length - 1];
    if (decoder.spec.layers.some((l) => l.type === 'select' && l.steps === 'last'))
      throw new RnnkitError('UNSUPPORTED', 'decoder: expected per-step outputs, got a lastStep() layer', { argument: 'decoder' });
    this.V = last.type === 'linear' ? last.outFeatures : last.type === 'recurrent' ? last.hiddenSize : d.emb.numEmbeddings;
    for (const k of ['bos', 'eos'] as const) {
      const v = tokens[k];
      if (!(Number.isInteger(v) && v >= 0 && v < d.emb.numEmbeddings && v < this.V)) {
        throw new RnnkitError(
          'INVALID_ARGUMENT',
          `${k}: expected a token id in 0..${Math.min(d.emb.numEmbeddings, this.V) - 1} (the decoder's vocabulary), got ${describe(v)}`,
          { argument: k },
        );
      }
    }
    this.loss = loss;
  }

  /** Builds an encoder `[embedding, recurrent]` and a decoder `[embedding, recurrent, linear]`. */
  static create(o: Seq2SeqOptions): Seq2Seq {
    const seed = o.seed ?? 0;
    const common = {
      cell: o.cell,
      hiddenSize: o.hiddenSize,
      embeddingDim: o.embeddingDim,
      ...(o.numLayers !== undefined ? { numLayers: o.numLayers } : {}),
      ...(o.dropout !== undefined ? { dropout: o.dropout } : {}),
    };
    const encoder = sequential(trunk({ ...common, vocabSize: o.srcVocab }, 'options'), { seed });
    const decoder = sequential([...trunk({ ...common, vocabSize: o.tgtVocab }, 'options'), linear({ outFeatures: o.tgtVocab })], { seed: seed + 1 });
    return new Seq2Seq(encoder, decoder, { bos: o.bos, eos: o.eos });
  }

  /** `[encoder, decoder]`: what the optimizer steps when a Seq2Seq trains as an Objective. */
  get models(): readonly Model[] {
    return [this.encoder, this.decoder];
  }

  /** Moves both models to `backend`, together: if either can't move, neither does and nothing is left uploaded. */
  to(backend: Backend): this {
    Model.toTogether([this.encoder, this.decoder], backend);
    return this;
  }

  checkData(data: TrainData, argument: string): void {
    checkTokenInput(this.encoder, data.x, argument);
    const y = data.y;
    if (!isIdTensor(y) || y.shape.length !== 2)
      throw new RnnkitError('SHAPE_MISMATCH', `${argument}.y: expected target token ids {ids, shape: [N, U]} ending with eos, got ${describe(y)}`, {
        argument: `${argument}.y`,
      });
    checkClassIds(y, this.V, this.loss.ignoreIndex, data.yLengths, `${argument}.y`);
  }

  /** Decoder inputs under teacher forcing: bos, then the targets shifted right by one. */
  private shifted(y: IdTensor): TokenInput {
    const [B, U] = y.shape;
    const V = (this.decoder.spec.layers[0] as EmbeddingSpec).numEmbeddings;
    const ids = new Int32Array(B * U);
    for (let b = 0; b < B; b++) {
      ids[b * U] = this.tokens.bos;
      for (let t = 1; t < U; t++) {
        const v = y.ids[b * U + t - 1];
        ids[b * U + t] = Number.isInteger(v) && v >= 0 && v < V ? v : this.tokens.bos; // padding: never read by valid steps
      }
    }
    return { ids, shape: [B, U] };
  }

  run(batch: TrainBatch, opts: { training: boolean; dropoutSeed?: number }): ObjectiveRun {
    const y = batch.y;
    if (!isIdTensor(y) || y.shape.length !== 2) {
      throw new RnnkitError('SHAPE_MISMATCH', `y: expected target token ids [B, U] for a seq2seq model, got ${describe(y.shape ?? y)}`, { argument: 'y' });
    }
    const be = this.encoder.backend;
    const seed = opts.dropoutSeed;
    const enc = this.encoder.forward(batch.x as TokenInput, {
      ...(batch.lengths ? { lengths: batch.lengths } : {}),
      training: opts.training,
      ...(seed !== undefined ? { dropoutSeed: seed } : {}),
    });
    const toDispose: (() => void)[] = [() => enc.dispose()];
    const cleanup = () => {
      for (const f of toDispose.reverse()) f();
    };
    try {
      const st = enc.states[0];
      const dec = this.decoder.forward(this.shifted(y), {
        ...(batch.yLengths ? { lengths: batch.yLengths } : {}),
        h0: st.hN,
        ...(st.cN ? { c0: st.cN } : {}),
        training: opts.training,
        ...(seed !== undefined ? { dropoutSeed: seed + 1 } : {}),
      });
      toDispose.push(() => dec.dispose());
      const ctx = { batchFirst: true, ...(batch.yLengths ? { lengths: batch.yLengths } : {}) };
      const lv = this.loss.compute(be, dec.output, y, ctx);
      toDispose.push(() => {
        be.dispose(lv.loss);
        be.dispose(lv.grad);
      });
      let grads: ObjectiveRun['grads'];
      if (opts.training) {
        const dg = dec.backward({ dOutput: lv.grad }, { inputGrad: false });
        toDispose.push(() => dg.dispose());
        const eg = enc.backward({ dStates: [{ ...(dg.h0 ? { hN: dg.h0 } : {}), ...(dg.c0 ? { cN: dg.c0 } : {}) }] }, { inputGrad: false });
        toDispose.push(() => eg.dispose());
        grads = [gradientGroup(this.encoder, eg), gradientGroup(this.decoder, dg)];
      }
      return { loss: lv, output: dec.output, target: y, ctx, ...(grads ? { grads } : {}), dispose: cleanup };
    } catch (e) {
      cleanup();
      throw e;
    }
  }

  /** Encodes the sources and returns the final state (detached) for the decoder. */
  private encode(src: TokenInput, lengths: ArrayLike<number> | undefined): CarriedState {
    const pass = this.encoder.forward(src, lengths ? { lengths } : {});
    try {
      return detachState(this.encoder.backend, pass);
    } finally {
      pass.dispose();
    }
  }

  private checkDecode(src: TokenInput, o: DecodeOptions): void {
    if (!src || !isIdTensor(src) || src.shape.length !== 2)
      throw new RnnkitError('SHAPE_MISMATCH', `src: expected source token ids {ids, shape: [B, S]}, got ${describe(src)}`, { argument: 'src' });
    if (!(Number.isInteger(o?.maxLength) && o.maxLength >= 1))
      throw new RnnkitError('INVALID_ARGUMENT', `maxLength: expected a positive integer, got ${describe(o?.maxLength)}`, { argument: 'maxLength' });
  }

  /** One decoder step for every row of `state` from tokens `prev`: logits [R, V] on the host, and the next state. */
  private async step(prev: Int32Array, state: CarriedState): Promise<{ logits: Float32Array; state: CarriedState }> {
    const pass = this.decoder.forward({ ids: prev, shape: [prev.length, 1] }, { h0: state.h, ...(state.c ? { c0: state.c } : {}) });
    try {
      const next = detachState(this.decoder.backend, pass);
      return { logits: await this.decoder.backend.read(pass.output), state: next };
    } finally {
      pass.dispose();
    }
  }

  /**
   * Greedy decoding: at each step the most likely token, until `eos` or `maxLength`. Returns
   * each sequence's tokens without the `eos`.
   */
  async greedy(src: TokenInput, o: DecodeOptions): Promise<number[][]> {
    this.checkDecode(src, o);
    const B = src.shape[0];
    const be = this.decoder.backend;
    let state = this.encode(src, o.lengths);
    const out: number[][] = Array.from({ length: B }, () => []);
    const done = new Array<boolean>(B).fill(false);
    let prev = new Int32Array(B).fill(this.tokens.bos);
    try {
      for (let t = 0; t < o.maxLength && done.includes(false); t++) {
        const r = await this.step(prev, state);
        disposeState(be, state);
        state = r.state;
        prev = new Int32Array(B);
        for (let b = 0; b < B; b++) {
          const row = r.logits.subarray(b * this.V, (b + 1) * this.V);
          let best = 0;
          for (let v = 1; v < this.V; v++) if (row[v] > row[best]) best = v;
          prev[b] = best;
          if (done[b]) continue;
          if (best === this.tokens.eos) done[b] = true;
          else out[b].push(best);
        }
      }
      return out;
    } finally {
      disposeState(be, state);
    }
  }

  /**
   * Beam search: keeps the `beamWidth` best partial hypotheses per source (all sources decoded
   * together as B·K rows); a hypothesis ends at `eos`. The answer per source is the finished
   * (or, failing that, live) hypothesis with the best log p / length^lengthPenalty, without `eos`.
   */
  async beamSearch(src: TokenInput, o: BeamOptions): Promise<number[][]> {
    this.checkDecode(src, o);
    const K = o.beamWidth ?? 4;
    const alpha = o.lengthPenalty ?? 1;
    if (!(Number.isInteger(K) && K >= 1))
      throw new RnnkitError('INVALID_ARGUMENT', `beamWidth: expected a positive integer, got ${describe(K)}`, { argument: 'beamWidth' });
    if (!(typeof alpha === 'number' && alpha >= 0))
      throw new RnnkitError('INVALID_ARGUMENT', `lengthPenalty: expected a number ≥ 0, got ${describe(alpha)}`, { argument: 'lengthPenalty' });
    const B = src.shape[0];
    const V = this.V;
    const be = this.decoder.backend;
    const enc = this.encode(src, o.lengths);
    const L = enc.h.shape[0];
    const H = enc.h.shape[2];
    // Row r of layer l in the new state comes from row from[r] of layer l in `s`.
    const regather = (s: CarriedState, from: Int32Array): CarriedState => {
      const R0 = s.h.shape[1];
      const R = from.length;
      const idx = new Int32Array(L * R);
      for (let l = 0; l < L; l++) for (let r = 0; r < R; r++) idx[l * R + r] = l * R0 + from[r];
      const g = (t: Tensor) => {
        const flat = be.reshape(t, [L * R0, H]);
        const rows = be.gatherRows(flat, idx);
        be.dispose(flat);
        const out = be.reshape(rows, [L, R, H]);
        be.dispose(rows);
        return out;
      };
      return { h: g(s.h), ...(s.c ? { c: g(s.c) } : {}) };
    };
    const score = (logp: number, len: number) => logp / Math.max(len, 1) ** alpha;
    type Hyp = { tokens: number[]; logp: number };
    let beams: Hyp[][] = Array.from({ length: B }, () => Array.from({ length: K }, (_, k) => ({ tokens: [], logp: k === 0 ? 0 : -Infinity })));
    const finished: { tokens: number[]; score: number }[][] = Array.from({ length: B }, () => []);
    const done = new Array<boolean>(B).fill(false);
    let state = regather(
      enc,
      Int32Array.from({ length: B * K }, (_, r) => Math.floor(r / K)),
    );
    disposeState(be, enc);
    try {
      for (let t = 0; t < o.maxLength && done.includes(false); t++) {
        const prev = new Int32Array(B * K);
        for (let b = 0; b < B; b++)
          for (let k = 0; k < K; k++) prev[b * K + k] = beams[b][k].tokens.length ? beams[b][k].tokens[beams[b][k].tokens.length - 1] : this.tokens.bos;
        const r = await this.step(prev, state);
        disposeState(be, state);
        const parent = new Int32Array(B * K);
        const next: Hyp[][] = [];
        for (let b = 0; b < B; b++) {
          if (done[b]) {
            next.push(beams[b]);
            for (let k = 0; k < K; k++) parent[b * K + k] = b * K + k;
            continue;
          }
          const cands: { k: number; v: number; logp: number }[] = [];
          for (let k = 0; k < K; k++) {
            const h = beams[b][k];
            if (h.logp === -Infinity) continue;
            const row = r.logits.subarray((b * K + k) * V, (b * K + k + 1) * V);
            let mx = -Infinity;
            for (let v = 0; v < V; v++) mx = Math.max(mx, row[v]);
            let z = 0;
            for (let v = 0; v < V; v++) z += Math.exp(row[v] - mx);
            const lse = mx + Math.log(z);
            for (let v = 0; v < V; v++) cands.push({ k, v, logp: h.logp + row[v] - lse });
          }
          cands.sort((a, c) => c.logp - a.logp);
          const kept: Hyp[] = [];
          for (let i = 0; i < cands.length && kept.length < K && i < 2 * K; i++) {
            const c = cands[i];
            const tokens = [...beams[b][c.k].tokens, c.v];
            if (c.v === this.tokens.eos) {
              if (i < K) finished[b].push({ tokens: tokens.slice(0, -1), score: score(c.logp, tokens.length) });
            } else {
              parent[b * K + kept.length] = b * K + c.k;
              kept.push({ tokens, logp: c.logp });
            }
          }
          while (kept.length < K) {
            parent[b * K + kept.length] = b * K;
            kept.push({ tokens: [], logp: -Infinity });
          }
          next.push(kept);
          if (finished[b].length >= K) {
            // Stop when no live hypothesis can still beat the best finished one at this length.
            const bestDone = Math.max(...finished[b].map((f) => f.score));
            const bestLive = Math.max(...kept.map((h) => (h.logp === -Infinity ? -Infinity : score(h.logp, h.tokens.length))));
            if (alpha === 0 || bestLive <= bestDone) done[b] = true;
          }
        }
        beams = next;
        state = regather(r.state, parent);
        disposeState(be, r.state);
      }
      return beams.map((bs, b) => {
        const pool = [...finished[b], ...bs.filter((h) => h.logp > -Infinity).map((h) => ({ tokens: h.tokens, score: score(h.logp, h.tokens.length) }))];
        pool.sort((a, c) => c.score - a.score);
        return pool.length ? pool[0].tokens : [];
      });
    } finally {
      disposeState(be, state);
    }
  }

  /** Frees both models' parameters. */
  dispose(): void {
    this.encoder.dispose();
    this.decoder.dispose();
  }
}
