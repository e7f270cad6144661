import { defineConfig } from 'vitest/config';

/**
 * The property tests of test/heap/, run by test/properties.test.ts in a child process whose
 * workers have a capped heap: an out-of-memory there fails that test instead of killing the
 * main test runner (issue #14).
 */
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/heap/**/*.heap.ts'],
    pool: 'forks',
    execArgv: ['--max-old-space-size=256'],
    testTimeout: 300_000,
  },
});
