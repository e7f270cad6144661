import type { Backend } from '@rnnkit/core';
import { knownVariant } from '@rnnkit/core/backend';
import { withDeadline } from './guard.js';
import { firstLine, loadPackage } from './packages.js';

/**
 * Which backends and outside engines can run here. Every backend package is imported
 * dynamically, so one that is missing, unbuilt or can't start (no WebGPU adapter, no tfjs-node
 * binary) is reported with its reason and the bench goes on with the rest.
 */

/**
 * `cpu-js` is backend-cpu forced onto its plain TypeScript kernels, to compare with its
 * WebAssembly SIMD ones in the same run; `cpu-fma` is backend-cpu's relaxed-SIMD build (fused
 * multiply-add), whose process gets `--experimental-wasm-relaxed-simd` where Node needs it (Node
 * 20 and 21: see `relaxedSimdFlags`), so one run shows what FMA is worth on this machine.
 * `cpu-2t` is backend-cpu with `threads: 2` (one worker thread joins the large GEMMs), beside
 * onnxruntime's 2-thread anchor: the measurements backend-cpu's `threads` default rests on.
 */
export const BACKEND_NAMES = ['cpu', 'cpu-fma', 'cpu-js', 'cpu-2t', 'webgpu', 'tfjs'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

interface Candidate {
  name: BackendName;
  pkg: string;
  /** `create…Backend(options)` export. */
  createExport: string;
  /** `BackendDefinition` export, used when the create function is absent. */
  definitionExport: string;
  /** Options always passed to create (a variant of a package's backend). */
  options?: Record<string, unknown>;
  /** A check of the started backend's info(): why this variant is not what runs, or undefined. */
  requires?: (info: Record<string, unknown>) => string | undefined;
}

/** Why the cpu-fma variant is not what runs here, or undefined when it is. */
const fmaRequirement = (info: Record<string, unknown>) =>
  info.fma === true
    ? undefined
    : `this runtime has no relaxed SIMD, so backend-cpu runs ${String(info.engine)} (Node ${process.versions.node}: needs ${RELAXED_SIMD_FLAG}, which the bench passes to this backend's own process)`;

/** Packages, exports and options come from core's one list of known backends (plus the bench's own thread variant). */
const BENCH_ONLY_VARIANTS: Partial<Record<BackendName, { of: string; options: Record<string, unknown> }>> = {
  'cpu-2t': { of: 'cpu', options: { threads: 2 } },
};
const CANDIDATES = Object.fromEntries(
  BACKEND_NAMES.map((name): [BackendName, Candidate] => {
    const own = BENCH_ONLY_VARIANTS[name];
    if (own) {
      const base = knownVariant(own.of);
      if (!base) throw new Error(`bench: ${own.of} is not a variant in KNOWN_BACKENDS`);
      const { backend } = base;
      const options = { ...base.variant.options, ...own.options };
      const requires = (info: Record<string, unknown>) =>
        info.threads === options.threads
          ? undefined
          : `backend-cpu runs ${String(info.threads)} thread(s) here, not ${String(options.threads)} (no worker_threads or SharedArrayBuffer)`;
      return [name, { name, pkg: backend.package, createExport: backend.createExport, definitionExport: backend.definitionExport, options, requires }];
    }
    const known = knownVariant(name);
    if (!known) throw new Error(`bench: ${name} is not a variant in KNOWN_BACKENDS`);
    const { backend, variant } = known;
    return [
      name,
      {
        name,
        pkg: backend.package,
        createExport: backend.createExport,
        definitionExport: backend.definitionExport,
        ...(Object.keys(variant.options).length ? { options: { ...variant.options } } : {}),
        ...(name === 'cpu-fma' ? { requires: fmaRequirement } : {}),
      },
    ];
  }),
) as Record<BackendName, Candidate>;

export interface BackendStatus {
  name: BackendName;
  package: string;
  version?: string;
  available: boolean;
  /** What actually runs (`info().engine`), e.g. `cpu-js`, `tfjs-wasm`, `webgpu (llvmpipe)`. */
  engine?: string;
  /** Everything `info()` said. */
  info?: Record<string, unknown>;
  /** Why it is not available. */
  reason?: string;
  startMs?: number;
  /** Set when the backend's process crashed during the run (it was restarted to go on). */
  crashes?: string[];
}

export interface DiscoveredBackend {
  status: BackendStatus;
  backend?: Backend;
}

export interface DiscoverOptions {
  /** tfjs engine to force; default: the backend's own order (node → wasm → cpu). */
  tfjsEngine?: 'node' | 'wasm' | 'cpu';
  /** How long a backend may take to start before it counts as unavailable. */
  startTimeoutMs?: number;
}

/**
 * Backend labels in tables: the name plus a short engine (`cpu (cpu-js)`, `tfjs (tfjs-wasm)`,
 * `webgpu (llvmpipe)`); the full engine text stays in the status.
 */
export function backendLabel(s: BackendStatus): string {
  if (!s.engine || s.engine === s.name || s.name.startsWith(`${s.engine}`)) return s.name;
  let e = s.engine.startsWith(`${s.name} `) ? s.engine.slice(s.name.length + 1) : s.engine;
  e = e
    .replace(/^\(/, '')
    .split(/[:;,)]/)[0]
    .trim()
    .slice(0, 24);
  return e ? `${s.name} (${e})` : s.name;
}

export async function discoverBackend(name: BackendName, opts: DiscoverOptions = {}): Promise<DiscoveredBackend> {
  const c = CANDIDATES[name];
  const base: BackendStatus = { name, package: c.pkg, available: false };
  const loaded = await loadPackage(c.pkg);
  if (!loaded.ok) return { status: { ...base, ...(loaded.version ? { version: loaded.version } : {}), reason: loaded.reason } };
  const mod = loaded.module;
  const status: BackendStatus = { ...base, version: loaded.version };
  type Create = (options?: unknown) => Promise<Backend>;
  const def = mod[c.definitionExport] as { create?: Create } | undefined;
  const create: Create | undefined =
    typeof mod[c.createExport] === 'function' ? (mod[c.createExport] as Create) : typeof def?.create === 'function' ? def.create.bind(def) : undefined;
  if (!create) {
    return { status: { ...status, reason: `${c.pkg} exports neither ${c.createExport}() nor ${c.definitionExport}.create() yet` } };
  }
  const options = name === 'tfjs' && opts.tfjsEngine ? { engine: opts.tfjsEngine } : c.options;
  const t0 = performance.now();
  try {
    const backend = await withDeadline(options ? create(options) : create(), opts.startTimeoutMs ?? 30_000, `starting the ${name} backend`);
    const info = backend.info() as unknown as Record<string, unknown>;
    const unmet = c.requires?.(info);
    if (unmet) {
      backend.destroy();
      return { status: { ...status, reason: unmet } };
    }
    return {
      backend,
      status: { ...status, available: true, engine: String(info.engine ?? name), info, startMs: performance.now() - t0 },
    };
  } catch (e) {
    return { status: { ...status, reason: firstLine(e) } };
  }
}

export interface ToolStatus {
  name: string;
  package: string;
  version?: string;
  available: boolean;
  reason?: string;
  /** Extra facts, e.g. the tfjs engine the layers run on. */
  detail?: string;
}

export type Ort = typeof import('onnxruntime-node');
export type ExportOnnx = (model: unknown, options?: Record<string, unknown>) => Uint8Array | Promise<Uint8Array>;

export interface Tools {
  exportOnnx?: ExportOnnx;
  ort?: Ort;
  statuses: ToolStatus[];
}

/** The exporter and onnxruntime-node. tfjs-layers is started by its anchor (it needs the engine). */
export async function discoverTools(): Promise<Tools> {
  const statuses: ToolStatus[] = [];
  const tools: Tools = { statuses };
  const exp = await loadPackage('@rnnkit/onnx-export');
  if (exp.ok && typeof exp.module.exportOnnx === 'function') {
    tools.exportOnnx = exp.module.exportOnnx as ExportOnnx;
    statuses.push({ name: 'onnx-export', package: '@rnnkit/onnx-export', version: exp.version, available: true });
  } else {
    const reason = exp.ok ? '@rnnkit/onnx-export does not export exportOnnx() yet' : exp.reason;
    statuses.push({ name: 'onnx-export', package: '@rnnkit/onnx-export', ...(exp.version ? { version: exp.version } : {}), available: false, reason });
  }
  const ort = await loadPackage<Ort>('onnxruntime-node');
  if (ort.ok) {
    tools.ort = ort.module;
    statuses.push({ name: 'onnxruntime-node', package: 'onnxruntime-node', version: ort.version, available: true });
  } else {
    statuses.push({
      name: 'onnxruntime-node',
      package: 'onnxruntime-node',
      ...(ort.version ? { version: ort.version } : {}),
      available: false,
      reason: ort.reason,
    });
  }
  return tools;
}

/** The V8 flag that turns on WebAssembly relaxed SIMD in Node 20 and 21 (Node ≥ 22 has it on). */
export const RELAXED_SIMD_FLAG = '--experimental-wasm-relaxed-simd';

/** Extra Node flags for a backend's own process: relaxed SIMD for `cpu-fma` where Node has it off by default. */
export function relaxedSimdFlags(name: BackendName): string[] {
  const major = Number(process.versions.node.split('.')[0]);
  return name === 'cpu-fma' && major < 22 ? [RELAXED_SIMD_FLAG] : [];
}
