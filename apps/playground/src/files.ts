/** Model files: what the download buttons write and what the load input reads. */
import type { Model } from '@rnnkit/core';
import { loadModel, loadModelBundle, parseSafetensors, SPEC_METADATA_KEY, saveModel, saveModelBundle } from '@rnnkit/core';
import { exportOnnx } from '@rnnkit/onnx-export';
import type { DownloadKind, FileOut } from './shared.js';
import type { LoadedModels, PlaygroundMeta, TaskRuntime } from './tasks.js';
import { META_KEY } from './tasks.js';

function stem(task: TaskRuntime, role: string): string {
  const c = task.config;
  return `${c.task}-${c.cell}${role === 'model' ? '' : `-${role}`}`;
}

/**
 * One file of one model of the task: a bundle (weights + graph in one safetensors file), the
 * graph JSON, the weights alone, or the ONNX export. The safetensors headers also carry the
 * playground's own metadata (task, sizes, vocabulary, scaling), so a file loads back as it was.
 */
export async function modelFile(task: TaskRuntime, role: string, kind: DownloadKind): Promise<FileOut> {
  const entry = task.models.find((m) => m.role === role);
  if (!entry) throw new Error(`download: no model "${role}" in this task (it has ${task.models.map((m) => m.role).join(', ')})`);
  const metadata = { [META_KEY]: JSON.stringify(task.meta(role)) };
  const name = stem(task, role);
  switch (kind) {
    case 'bundle':
      return { name: `${name}.bundle.safetensors`, bytes: await saveModelBundle(entry.model, { metadata }), mime: 'application/octet-stream' };
    case 'spec': {
      const saved = await saveModel(entry.model, { metadata });
      return { name: `${name}.json`, bytes: new TextEncoder().encode(saved.spec), mime: 'application/json' };
    }
    case 'weights': {
      const saved = await saveModel(entry.model, { metadata });
      return { name: `${name}.safetensors`, bytes: saved.weights, mime: 'application/octet-stream' };
    }
    case 'onnx':
      return { name: `${name}.onnx`, bytes: await exportOnnx(entry.model, task.exportOptions(role)), mime: 'application/octet-stream' };
  }
}

/**
 * Reads models saved by the playground: bundles (`*.safetensors` holding the graph), or a graph
 * `.json` with its weights `.safetensors` (same name stem). Models come back on the host, by role,
 * with the playground metadata that rebuilds their task.
 */
export function readModelFiles(files: readonly { name: string; bytes: Uint8Array }[]): { models: LoadedModels; meta: PlaygroundMeta } {
  const stemOf = (n: string) => n.replace(/\.bundle\.safetensors$|\.safetensors$|\.json$/i, '');
  const specs = new Map(files.filter((f) => /\.json$/i.test(f.name)).map((f) => [stemOf(f.name), new TextDecoder().decode(f.bytes)]));
  const models: LoadedModels = new Map();
  let meta: PlaygroundMeta | undefined;
  for (const f of files.filter((f) => /\.safetensors$/i.test(f.name))) {
    const header = parseSafetensors(f.bytes).metadata;
    const m = header[META_KEY] ? (JSON.parse(header[META_KEY]) as PlaygroundMeta) : undefined;
    if (m?.app !== 'rnnkit-playground') {
      throw new Error(
        `load: ${f.name} has no playground metadata ("${META_KEY}"), so its task (vocabulary, scaling) is unknown; load files downloaded from this page`,
      );
    }
    if (meta && meta.config.task !== m.config.task) throw new Error(`load: the files are from different tasks (${meta.config.task}, ${m.config.task})`);
    let model: Model;
    if (header[SPEC_METADATA_KEY] !== undefined) model = loadModelBundle(f.bytes);
    else {
      const spec = specs.get(stemOf(f.name));
      if (spec === undefined) throw new Error(`load: ${f.name} holds weights only; pick its graph ${stemOf(f.name)}.json too, or a .bundle.safetensors file`);
      model = loadModel(spec, f.bytes);
    }
    meta = m;
    models.set(m.role, model);
  }
  if (!meta) throw new Error('load: pick a .safetensors file (a bundle, or weights with their .json graph)');
  return { models, meta };
}
