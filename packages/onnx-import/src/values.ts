import type { ConstTensor } from './tensors.js';

/**
 * What the importer knows about each ONNX value while it walks the graph. The walk is an
 * abstract interpretation: constants are folded, shapes are tracked symbolically, and the data
 * path is followed as a "flow" whose axes carry meaning, so glue is recognised by what it does
 * (which axes it moves, merges or picks), not by the exact node sequence an exporter wrote.
 *
 * Axis labels:
 *   S0, S1  the first two axes of the model input (one is batch, one time; the first recurrent
 *           node decides which, from its layout)
 *   B       the batch axis of a state tensor (the same extent as whichever S is batch)
 *   F       features (size known)
 *   Dir     the directions axis of a recurrent node's Y (size 1 or 2)
 *   Rows    the layers×directions axis of a state tensor
 *   One     an axis of extent 1 that carries nothing (from Unsqueeze, or a last-step Slice)
 */
export type Label = 'S0' | 'S1' | 'B' | 'F' | 'Dir' | 'Rows' | 'One';
export interface Axis {
  label: Label;
  /** Known extent: F, Dir, Rows and One always have one; S0, S1, B are dynamic. */
  size?: number;
}

/** A dimension inside a shape tensor: a number, or the dynamic extent of an input axis. */
export type Sym = number | 'S0' | 'S1' | 'B';

/** Where a flow stands in the model being built: after `stage` layers, as of `version`. */
export interface Stage {
  stage: number;
  version: number;
}

export type Value =
  /** A constant: an initializer, a Constant node, or anything computed from constants. */
  | { kind: 'const'; t: ConstTensor }
  /** An integer shape tensor (rank 0 or 1) holding at least one dynamic extent, e.g. Shape(x). */
  | { kind: 'dims'; scalar: boolean; items: Sym[] }
  /** A float tensor of zeros of a possibly dynamic shape (ConstantOfShape / Expand chains). */
  | { kind: 'zeros'; shape: Sym[] }
  /**
   * The model's data path after `at.stage` layers. `dirPart` marks one direction's half of a
   * bidirectional output (features H instead of 2H). `activation` is a final activation that
   * rnnkit applies outside the model (see ImportedOutput.activation).
   */
  | { kind: 'flow'; axes: Axis[]; at: Stage; dirPart?: number; activation?: OutputActivation; lastStep?: boolean }
  /** Token ids: the int graph input that an embedding Gather reads, [S0, S1]. */
  | { kind: 'ids'; input: string; axes: Axis[] }
  /** Final states of rnnkit layer `layer`: rows [rows[0], rows[1]) of its [numLayers*dirs, B, H]. */
  | { kind: 'state'; which: 'h' | 'c'; layer: number; rows: [number, number]; axes: Axis[] }
  /** A graph input holding initial states (h0/c0), or rows of it. */
  | { kind: 'initState'; input: string; rows: [number, number]; axes: Axis[] }
  /** The sequence-lengths graph input plus `offset` (lengths − 1 for a last-step index). */
  | { kind: 'lengths'; input: string; offset: number; axes: Axis[] };

/** A final activation on the last axis that the file applies after the recurrent model and rnnkit applies outside it (`applyActivation`). */
export type OutputActivation = 'softmax' | 'logSoftmax' | 'sigmoid' | 'tanh' | 'relu';

export function isSeqLabel(l: Label): l is 'S0' | 'S1' {
  return l === 'S0' || l === 'S1';
}

export function describeAxes(axes: readonly Axis[]): string {
  return `[${axes.map((a) => (a.size !== undefined && a.label !== 'S0' && a.label !== 'S1' && a.label !== 'B' ? `${a.label}:${a.size}` : a.label)).join(', ')}]`;
}

/** Normalises a possibly negative axis against `rank`; undefined when out of range. */
export function normAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : undefined;
}
