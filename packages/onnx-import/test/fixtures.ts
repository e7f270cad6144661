import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostTensor } from '@rnnkit/core';
import type { OnnxFeed } from '../src/index.js';

/** A committed exporter fixture (see scripts/make_fixtures.py for how each was made). */
export interface Fixture {
  name: string;
  source: string;
  opset: number;
  bytes: Uint8Array;
  /** Feeds by ONNX input name, typed as onnxruntime wants them (float32, int64). */
  feeds: Record<string, OnnxFeed>;
  /** PyTorch's own float32 outputs, for torch.onnx.export fixtures; undefined for hand-built graphs. */
  expected?: Record<string, HostTensor>;
  train: { loss: 'mse' | 'crossEntropy' };
}

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

function read(file: string): Buffer {
  try {
    return readFileSync(join(DIR, file));
  } catch (e) {
    throw new Error(
      `fixture file ${file} is missing from ${DIR}; regenerate with /usr/bin/python3 packages/onnx-import/scripts/make_fixtures.py (${(e as Error).message})`,
    );
  }
}

interface JsonTensor {
  dtype: string;
  shape: number[];
  data: number[];
}

function feed(t: JsonTensor): OnnxFeed {
  if (t.dtype === 'float32') return { data: Float32Array.from(t.data), shape: t.shape };
  if (t.dtype === 'int64') return { data: BigInt64Array.from(t.data, (v) => BigInt(v)), shape: t.shape };
  if (t.dtype === 'int32') return { data: Int32Array.from(t.data), shape: t.shape };
  throw new Error(`fixture tensor of dtype ${t.dtype} is not one the tests feed`);
}

/** Every fixture listed in fixtures/index.json; throws when a listed file is missing. */
export function loadFixtures(): Fixture[] {
  const names = JSON.parse(read('index.json').toString('utf8')) as string[];
  if (!Array.isArray(names) || names.length === 0) throw new Error('fixtures/index.json lists no fixtures');
  return names.map((name) => {
    const doc = JSON.parse(read(`${name}.json`).toString('utf8')) as {
      source: string;
      opset: number;
      inputs: Record<string, JsonTensor>;
      expected: Record<string, JsonTensor> | null;
      train: { loss: 'mse' | 'crossEntropy' };
    };
    return {
      name,
      source: doc.source,
      opset: doc.opset,
      bytes: new Uint8Array(read(`${name}.onnx`)),
      feeds: Object.fromEntries(Object.entries(doc.inputs).map(([k, v]) => [k, feed(v)])),
      ...(doc.expected
        ? { expected: Object.fromEntries(Object.entries(doc.expected).map(([k, v]) => [k, { data: Float32Array.from(v.data), shape: v.shape }])) }
        : {}),
      train: doc.train,
    };
  });
}
