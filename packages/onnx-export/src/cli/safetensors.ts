import { RnnkitError } from '@rnnkit/core';

/**
 * A minimal safetensors reader for the CLI's fallback path: float32 tensors and the string
 * `__metadata__`, with bounds checks. Layout: [u64 LE header length N][N bytes JSON][data].
 * When `@rnnkit/core` exports its own loader (`loadModel`), the CLI uses that instead
 * (see saved_model.ts); this reader only covers the time before it lands.
 */
export interface F32Safetensors {
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
  metadata: Record<string, string>;
}

function bad(argument: string, message: string): never {
  throw new RnnkitError('INVALID_FILE', `${argument}: ${message}`, { argument });
}

export function readF32Safetensors(bytes: Uint8Array, argument: string): F32Safetensors {
  if (bytes.length < 8) bad(argument, `expected a safetensors file (8-byte header length, JSON header, data), got ${bytes.length} bytes`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (n > bytes.length - 8 || n > 100_000_000) bad(argument, `header length ${n} exceeds the file (${bytes.length} bytes)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>;
  } catch (e) {
    bad(argument, `expected a JSON header, got a parse error (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) bad(argument, 'expected the header to be a JSON object');
  const dataStart = 8 + n;
  const out: F32Safetensors = { tensors: new Map(), metadata: {} };
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      for (const [k, v] of Object.entries((entry ?? {}) as Record<string, unknown>)) if (typeof v === 'string') out.metadata[k] = v;
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const at = `${argument}["${name}"]`;
    if (e?.dtype !== 'F32') bad(at, `expected dtype F32, got ${JSON.stringify(e?.dtype)} (convert the weights to float32)`);
    const shape = e.shape;
    const offs = e.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) bad(at, 'expected shape to be a list of non-negative integers');
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isInteger(d) && d >= 0)) bad(at, 'expected data_offsets [begin, end]');
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    const [begin, end] = offs as [number, number];
    if (end - begin !== count * 4 || dataStart + end > bytes.length)
      bad(at, `data_offsets [${begin}, ${end}] do not hold ${count} float32 values inside the file`);
    const data = new Float32Array(count);
    const src = new DataView(bytes.buffer, bytes.byteOffset + dataStart + begin, count * 4);
    for (let i = 0; i < count; i++) data[i] = src.getFloat32(i * 4, true);
    out.tensors.set(name, { shape: shape as number[], data });
  }
  return out;
}
