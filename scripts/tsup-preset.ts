import type { Options } from 'tsup';

/**
 * The one build every published package uses: ESM (`.js`) and CommonJS (`.cjs`) from the same
 * sources, with declarations for each (`.d.ts`, `.d.cts`), so `import` and `require()` both work
 * in Node ≥ 20 and TypeScript sees the right module kind under every resolution mode.
 *
 * - `splitting` in both formats: code shared by several entries (core's `.`, `./backend`,
 *   `./testing`) lives in one chunk per format, so one process that requires two entries gets
 *   one copy of each class and registry (not one per entry).
 * - `shims`: `import.meta.url` becomes the file's own URL in the CommonJS build.
 * - No source maps: the output is unminified and keeps the source's names and layout, and maps
 *   with their sources embedded tripled the tarballs (core: 1.7 MB of maps); maps that point at
 *   an unshipped `src/` would not resolve.
 * - Dependencies and peers stay external (tsup's default); `node:` built-ins too.
 */
export function preset(entry: Record<string, string>, extra: Options = {}): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: { compilerOptions: { composite: false, declarationMap: false } },
    tsconfig: 'tsconfig.build.json',
    sourcemap: false,
    splitting: true,
    treeshake: true,
    shims: true,
    clean: true,
    target: 'es2022',
    platform: 'neutral',
    external: [/^node:/],
    outDir: 'dist',
    ...extra,
  };
}
