import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig, type Plugin } from 'vite';

/**
 * @rnnkit/backend-webgpu is imported lazily. If its build is missing, the page still builds:
 * the import resolves to a stub whose createWebgpuBackend says so, and the page offers the
 * other backends.
 */
function webgpuWhenBuilt(): Plugin {
  const id = '\0rnnkit-webgpu-missing';
  let built = false;
  try {
    const pkg = createRequire(import.meta.url).resolve('@rnnkit/backend-webgpu/package.json');
    built = existsSync(new URL('./dist/index.js', `file://${pkg}`));
  } catch {
    built = false;
  }
  return {
    name: 'rnnkit-webgpu-when-built',
    resolveId: (source) => (!built && source === '@rnnkit/backend-webgpu' ? id : null),
    load: (source) =>
      source === id
        ? `export async function createWebgpuBackend() { throw new Error('webgpu: @rnnkit/backend-webgpu was not built when this page was built'); }`
        : null,
  };
}

export default defineConfig({
  // Relative asset URLs: the built page works from any folder it is served from.
  base: './',
  plugins: [webgpuWhenBuilt()],
  worker: { format: 'es', plugins: () => [webgpuWhenBuilt()] },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
