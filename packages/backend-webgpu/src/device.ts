import { RnnkitError } from '@rnnkit/core';

/** What the backend knows about the adapter behind its device. */
export interface WebgpuAdapterDescription {
  /** GPUAdapterInfo.vendor, e.g. `nvidia`, `mesa`; empty when the runtime does not say. */
  vendor: string;
  /** GPUAdapterInfo.architecture, e.g. `turing`; empty when the runtime does not say. */
  architecture: string;
  /** GPUAdapterInfo.device (a vendor-specific identifier); often empty. */
  device: string;
  /** GPUAdapterInfo.description, e.g. `llvmpipe (LLVM 15.0.6, 256 bits)`; empty when the runtime does not say. */
  description: string;
  /** The adapter says it is a fallback (software or reduced-performance) one; false when the runtime does not say. */
  isFallbackAdapter: boolean;
  /** Where the device came from: `navigator.gpu`, `webgpu (Dawn)` in Node, or `caller`. */
  source: string;
}

export interface AcquiredDevice {
  device: GPUDevice;
  adapter: WebgpuAdapterDescription;
  /** True when the backend requested the device and so destroys it on destroy(). */
  owned: boolean;
  /**
   * Objects the device needs alive: in Node, if Dawn's GPU instance is garbage-collected while
   * its device still runs work, the process crashes (seen on lavapipe). The backend holds these.
   */
  keepAlive: readonly unknown[];
}

function unavailable(reason: string, cause?: unknown): RnnkitError {
  return new RnnkitError('BACKEND_UNAVAILABLE', `webgpu: ${reason}`, { ...(cause === undefined ? {} : { cause }) });
}

export function describeAdapter(info: Partial<GPUAdapterInfo> | undefined, source: string): WebgpuAdapterDescription {
  return {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    device: info?.device ?? '',
    description: info?.description ?? '',
    isFallbackAdapter: Boolean((info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter),
    source,
  };
}

/** The adapter's description or vendor, for messages. */
function adapterName(adapter: GPUAdapter): string {
  const info = (adapter as { info?: GPUAdapterInfo }).info;
  return info?.description || info?.vendor || 'unnamed';
}

/**
 * The GPU object to ask for an adapter: the browser's `navigator.gpu`, else Dawn from the
 * `webgpu` package. The package name goes through a variable so bundlers for the browser don't
 * pull the native module in.
 */
async function findGpu(): Promise<{ gpu: GPU; source: string }> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return { gpu: nav.gpu, source: 'navigator.gpu' };
  const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
  if (!isNode) throw unavailable('navigator.gpu is missing: this browser has no WebGPU (or it is disabled)');
  // One Dawn instance per process, made on first use and shared by every backend.
  dawn ??= startDawn().catch((e: unknown) => {
    dawn = undefined;
    throw e;
  });
  return dawn;
}

let dawn: Promise<{ gpu: GPU; source: string }> | undefined;

async function startDawn(): Promise<{ gpu: GPU; source: string }> {
  const pkg = 'webgpu';
  let mod: { create(flags: string[]): GPU };
  try {
    mod = (await import(/* @vite-ignore */ pkg)) as typeof mod;
  } catch (e) {
    throw unavailable(
      `the \`webgpu\` package (Dawn for Node, an optional peer dependency) could not be loaded (install it: npm install webgpu): ${e instanceof Error ? e.message : String(e)}`,
      e,
    );
  }
  try {
    return { gpu: mod.create([]), source: 'webgpu (Dawn)' };
  } catch (e) {
    throw unavailable(`Dawn failed to start: ${e instanceof Error ? e.message : String(e)}`, e);
  }
}

/** Refuses precision `f16` (UNSUPPORTED, argument `precision`) where `features` lack `shader-f16`. */
function requireF16(features: ReadonlySet<string> | GPUSupportedFeatures, where: string): void {
  if (!features.has('shader-f16')) {
    throw new RnnkitError(
      'UNSUPPORTED',
      `createWebgpuBackend: precision: expected ${where} with the 'shader-f16' feature for precision 'f16', got one without it (use precision 'f32', the default)`,
      { argument: 'precision' },
    );
  }
}

/**
 * Requests an adapter and a device with the adapter's largest buffer limits, and with the
 * `shader-f16` feature when `f16` (refused before any device is made where the adapter lacks it).
 */
export async function acquireDevice(device?: GPUDevice, f16 = false): Promise<AcquiredDevice> {
  if (device) {
    if (f16) requireF16(device.features, 'a device');
    const info = (device as { adapterInfo?: GPUAdapterInfo }).adapterInfo;
    return { device, adapter: describeAdapter(info, 'caller'), owned: false, keepAlive: [] };
  }
  const { gpu, source } = await findGpu();
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (e) {
    throw unavailable(`requestAdapter() failed via ${source}: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  if (!adapter) {
    throw unavailable(
      `no WebGPU adapter via ${source} (requestAdapter() returned null): no usable GPU or Vulkan driver here` +
        (source.startsWith('webgpu') ? '; on Debian, Mesa lavapipe from bookworm-backports provides one (scripts/install-webgpu-deps.sh)' : ''),
    );
  }
  if (f16) requireF16(adapter.features, `an adapter (${adapterName(adapter)})`);
  const want = [
    'maxStorageBufferBindingSize',
    'maxBufferSize',
    'maxComputeWorkgroupStorageSize',
    'maxStorageBuffersPerShaderStage',
    'maxComputeInvocationsPerWorkgroup',
    'maxComputeWorkgroupSizeX',
    'maxComputeWorkgroupSizeY',
  ] as const;
  const requiredLimits: Record<string, number> = {};
  for (const k of want) requiredLimits[k] = adapter.limits[k];
  let dev: GPUDevice;
  try {
    dev = await adapter.requestDevice({ requiredLimits, ...(f16 ? { requiredFeatures: ['shader-f16' as GPUFeatureName] } : {}), label: 'rnnkit' });
  } catch (e) {
    throw unavailable(`requestDevice() failed via ${source}: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  const info = (adapter as { info?: GPUAdapterInfo }).info ?? (dev as { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  return { device: dev, adapter: describeAdapter(info, source), owned: true, keepAlive: [gpu, adapter] };
}
