import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `packages/core/fixtures/<sub>`: found from this module's own location by walking up to the
 * nearest folder with a package.json (core's), so it is the same folder whether this code runs
 * from `src/`, from the ESM or CommonJS build in `dist/`, or from a shared chunk at any depth
 * there. The fixtures live in the repository only; the npm package does not ship them.
 */
export function coreFixturesPath(sub: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return join(dir, 'fixtures', sub);
}

/** Why a fixture is missing, and what to do: the npm package has none, a clone has them all. */
export const FIXTURES_HINT =
  'the PyTorch fixtures are not in the @rnnkit/core npm package; run this from a clone of the rnnkit repository (packages/core/fixtures)';
