/**
 * The backends rnnkit ships, as data: which package, which export starts it, what it needs to
 * start, and the engine variants the bench, the cross-backend tests and the playground run. Core
 * imports none of these packages; readers import them by name (`import(pkg)`), so this is the
 * one list a new backend is added to.
 */
export interface KnownBackendVariant {
  /** Label in reports and test names: `cpu`, `cpu-js`, `tfjs-wasm`. */
  label: string;
  /** Options passed to the create function. */
  options: Readonly<Record<string, unknown>>;
}

/** One backend rnnkit ships: where it lives, how to start it, and its engine variants. */
export interface KnownBackend {
  /** The name the backend registers under. */
  name: string;
  /** The npm package that exports it, e.g. `@rnnkit/backend-cpu`. */
  package: string;
  /** `create…Backend(options)` export. */
  createExport: string;
  /** `BackendDefinition` export. */
  definitionExport: string;
  /** What it needs to start, said to a user whose backend could not. */
  needs: string;
  /** Its engine variants; the first is the default (empty options). */
  variants: readonly KnownBackendVariant[];
}

/** Every backend rnnkit ships (`cpu`, `webgpu`, `tfjs`), in that order. */
export const KNOWN_BACKENDS: readonly KnownBackend[] = [
  {
    name: 'cpu',
    package: '@rnnkit/backend-cpu',
    createExport: 'createCpuBackend',
    definitionExport: 'cpuBackend',
    needs: 'nothing: WebAssembly SIMD kernels where the runtime validates them (relaxed-SIMD FMA where available), plain TypeScript otherwise',
    variants: [
      { label: 'cpu', options: {} },
      { label: 'cpu-fma', options: { simd: true, fma: true } },
      { label: 'cpu-js', options: { simd: false } },
    ],
  },
  {
    name: 'webgpu',
    package: '@rnnkit/backend-webgpu',
    createExport: 'createWebgpuBackend',
    definitionExport: 'webgpuBackend',
    needs: 'a WebGPU adapter: navigator.gpu in browsers; in Node the webgpu package (Dawn) over a Vulkan, Metal or D3D12 driver (Mesa lavapipe in CI)',
    variants: [{ label: 'webgpu', options: {} }],
  },
  {
    name: 'tfjs',
    package: '@rnnkit/backend-tfjs',
    createExport: 'createTfjsBackend',
    definitionExport: 'tfjsBackend',
    needs: '@tensorflow/tfjs-core with tfjs-node, tfjs-backend-wasm (its .wasm files reachable) or tfjs-backend-cpu',
    variants: [
      { label: 'tfjs', options: {} },
      { label: 'tfjs-wasm', options: { engine: 'wasm' } },
      { label: 'tfjs-cpu', options: { engine: 'cpu' } },
    ],
  },
];

/** The known backend and variant behind a label (`cpu-js` → cpu with `{ simd: false }`). */
export function knownVariant(label: string):
  | {
      /** The backend that has a variant with this label. */
      backend: KnownBackend;
      /** The variant itself (label and create options). */
      variant: KnownBackendVariant;
    }
  | undefined {
  for (const backend of KNOWN_BACKENDS) {
    const variant = backend.variants.find((v) => v.label === label);
    if (variant) return { backend, variant };
  }
  return undefined;
}
