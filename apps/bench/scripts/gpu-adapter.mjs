#!/usr/bin/env node
// Which adapter Dawn (the `webgpu` package, through @rnnkit/backend-webgpu) gives this process,
// printed as one JSON line on stdout; exit 3 when it is a software adapter (lavapipe/llvmpipe,
// SwiftShader, a fallback adapter) unless --allow-software, exit 2 when there is none.
// gpu-run.sh runs it before anything is measured.
import { createWebgpuBackend } from '@rnnkit/backend-webgpu';

const allowSoftware = process.argv.includes('--allow-software');
let be;
try {
  be = await createWebgpuBackend();
} catch (e) {
  console.error(`gpu-adapter: NO WebGPU ADAPTER: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
}
const a = be.adapter;
const text = `${a.vendor} ${a.architecture} ${a.device} ${a.description}`;
const software = a.isFallbackAdapter || /llvmpipe|lavapipe|swiftshader|mesa software|software/i.test(text);
const limits = be.device.limits;
const report = {
  engine: be.info().engine,
  vendor: a.vendor,
  architecture: a.architecture,
  device: a.device,
  description: a.description,
  isFallbackAdapter: a.isFallbackAdapter,
  software,
  nvidia: /nvidia/i.test(text),
  limits: {
    maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
    maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
  },
  shaderF16: be.device.features.has('shader-f16'),
};
console.log(JSON.stringify(report));
be.destroy();
if (software && !allowSoftware) {
  console.error(
    `gpu-adapter: SOFTWARE ADAPTER (${report.engine}): this is not the GPU; the Vulkan driver of the GPU was not found (pass --allow-software for a dry run)`,
  );
  process.exit(3);
}
