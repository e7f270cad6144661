import type { LayerSpec, ModelSpec } from '@rnnkit/core';

/** The metadata key under which `@rnnkit/onnx-export` stores the exported ModelSpec. */
export const SPEC_METADATA_KEY = 'rnnkit.spec';

/**
 * Spec fields ONNX does not carry: training-only dropout and the initialisation seed; and an
 * explicit `direction: 'forward'`, which is the same layer as no `direction`.
 */
function withoutTrainingFields(l: LayerSpec): LayerSpec {
  if (l.type !== 'recurrent') return l;
  const { direction, ...rest } = l;
  return { ...rest, dropout: 0, ...(direction === 'reverse' ? { direction } : {}) };
}

function sameLayers(a: LayerSpec[], b: LayerSpec[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((l, i) => {
    const x = withoutTrainingFields(l) as unknown as Record<string, unknown>;
    const y = withoutTrainingFields(b[i]) as unknown as Record<string, unknown>;
    const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
    return [...keys].every((k) => x[k] === y[k]);
  });
}

/**
 * Restores what ONNX cannot carry — each recurrent layer's dropout and the spec's seed — from
 * an rnnkit export's metadata, but only when that metadata describes exactly the graph that was
 * read. The graph decides the model; metadata never changes its structure or weights.
 */
export function restoreTrainingFields(spec: ModelSpec, metadataText: string | undefined): ModelSpec {
  if (metadataText === undefined || metadataText.length > 1_000_000) return spec;
  let meta: unknown;
  try {
    meta = JSON.parse(metadataText);
  } catch {
    return spec;
  }
  const m = meta as Partial<ModelSpec> | null;
  if (!m || typeof m !== 'object' || !Array.isArray(m.layers) || !Number.isInteger(m.seed)) return spec;
  const layers = m.layers as LayerSpec[];
  if (!layers.every((l) => l !== null && typeof l === 'object')) return spec;
  if (!sameLayers(spec.layers, layers)) return spec;
  const dropoutOk = layers.every((l) => l.type !== 'recurrent' || (typeof l.dropout === 'number' && l.dropout >= 0 && l.dropout < 1));
  if (!dropoutOk) return spec;
  return {
    ...spec,
    seed: m.seed as number,
    layers: spec.layers.map((l, i) => (l.type === 'recurrent' ? { ...l, dropout: (layers[i] as typeof l).dropout } : l)),
  };
}

/**
 * How many stacked layers each recurrent layer of an rnnkit export has, from its metadata: the
 * one thing the graph leaves ambiguous (two chained nodes of the same configuration are one
 * layer with numLayers 2 or two layers, the same model either way). Undefined without usable
 * metadata; the walk still checks that every node it stacks fits.
 */
export function stackingHint(metadataText: string | undefined): number[] | undefined {
  if (metadataText === undefined || metadataText.length > 1_000_000) return undefined;
  try {
    const meta = JSON.parse(metadataText) as { layers?: unknown };
    if (!Array.isArray(meta?.layers)) return undefined;
    const counts = meta.layers
      .filter((l): l is { type: 'recurrent'; numLayers: number } => l !== null && typeof l === 'object' && (l as { type?: unknown }).type === 'recurrent')
      .map((l) => l.numLayers);
    return counts.every((n) => Number.isSafeInteger(n) && n >= 1) ? counts : undefined;
  } catch {
    return undefined;
  }
}
