import { readFileSync } from 'node:fs';
import { KNOWN_BACKENDS, knownVariant } from '@rnnkit/core/backend';
import { describe, expect, it } from 'vitest';
import { BACKENDS } from '../src/shared.js';

/** The playground starts backends from core's one list: every package has a loader, every option a variant. */
describe('the playground reads KNOWN_BACKENDS', () => {
  const source = readFileSync(new URL('../src/backends.ts', import.meta.url), 'utf8');
  const block = source.slice(source.indexOf('BACKEND_PACKAGES'), source.indexOf('};', source.indexOf('BACKEND_PACKAGES')));
  const loaders = [...block.matchAll(/'(@rnnkit\/[a-z-]+)': \(\) => import\('(@rnnkit\/[a-z-]+)'\)/g)];
  it('has a loader for exactly the known packages', () => {
    expect(loaders.every((m) => m[1] === m[2])).toBe(true);
    expect(loaders.map((m) => m[1]).sort()).toEqual(KNOWN_BACKENDS.map((b) => b.package).sort());
  });
  it('offers only known variants', () => {
    for (const name of Object.keys(BACKENDS)) expect(knownVariant(name), name).toBeDefined();
  });
});
