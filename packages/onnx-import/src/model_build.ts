import type { LayerSpec, RecurrentSpec } from '@rnnkit/core';
import type { NodeRef } from './errors.js';
import { unsupported } from './errors.js';
import type { Stage } from './values.js';

/** What the walk learns about a recurrent rnnkit layer beyond its spec. */
export interface RecurrentInfo {
  /** How each stacked ONNX node got its initial state: zeros, or rows of the h0/c0 graph inputs. */
  init: 'zeros' | 'input';
  /** The ONNX nodes that became its stacked layers, in order. */
  nodes: NodeRef[];
  /** ONNX value names of each stacked node's Y_h / Y_c ('' when omitted). */
  stateNames: { h: string; c: string }[];
}

export interface LayerBuild {
  spec: LayerSpec;
  /** Parameters by unprefixed PyTorch name (`weight_ih_l0`, `weight`, `bias`). */
  params: Map<string, Float32Array>;
  recurrent?: RecurrentInfo;
  /** The ONNX node that produced this layer (the first one, for stacked recurrent layers). */
  node: NodeRef;
}

/**
 * The rnnkit model as the walk builds it: a chain of layers. A data-path value records the
 * stage (number of layers) it was computed at; only the newest stage may grow the chain, so a
 * graph that branches into two heads, or reads a value from before a later layer, is refused.
 * `version` changes when a stacked recurrent node folds into the previous layer (numLayers+1),
 * which invalidates values computed from the shorter stack.
 */
export class ModelBuild {
  readonly layers: LayerBuild[] = [];
  private version = 0;
  /** Which input axis is time and which batch, fixed by the first recurrent node. */
  binding: { time: 'S0' | 'S1'; batch: 'S0' | 'S1' } | undefined;
  /** The graph input read as sequence lengths, and whether any recurrent node ran without it. */
  lengthsInput: string | undefined;
  nodesWithoutLengths: NodeRef[] = [];
  nodesWithLengths: NodeRef[] = [];
  h0Input: string | undefined;
  c0Input: string | undefined;
  /** Stacked layers per recurrent layer, from an rnnkit export's metadata (see rnnkit_metadata.ts). */
  stackHint: number[] | undefined;
  /** The graph input read as token ids, or as float features. */
  idsInput: string | undefined;
  xInput: string | undefined;

  tip(): Stage {
    return { stage: this.layers.length, version: this.version };
  }

  isTip(at: Stage): boolean {
    return at.stage === this.layers.length && at.version === this.version;
  }

  /** Fails unless `at` is the newest stage: the model is a chain, not a tree. */
  requireTip(at: Stage, node: NodeRef, what: string): void {
    if (at.stage !== this.layers.length) {
      unsupported(
        node,
        what,
        `reads the model's data after layer ${at.stage} while ${this.layers.length} layers are built: the graph branches, which an rnnkit model (a chain of layers) cannot express`,
      );
    }
    if (at.version !== this.version) {
      unsupported(node, what, `reads the output of a stacked recurrent layer that a later node extends, so the value no longer exists in the rnnkit model`);
    }
  }

  append(layer: LayerBuild): Stage {
    this.layers.push(layer);
    return this.tip();
  }

  /** Marks the tip layer as changed in place (a stacked recurrent node was folded into it). */
  bumpVersion(): Stage {
    this.version++;
    return this.tip();
  }

  lastLayer(): LayerBuild | undefined {
    return this.layers[this.layers.length - 1];
  }

  firstRecurrentIndex(): number {
    return this.layers.findIndex((l) => l.spec.type === 'recurrent');
  }

  recurrentSpecs(): RecurrentSpec[] {
    return this.layers.map((l) => l.spec).filter((s): s is RecurrentSpec => s.type === 'recurrent');
  }
}
