import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Finding and loading packages the bench may or may not have: workspace packages written
 * concurrently (perhaps not built yet) and outside engines. Nothing here throws; every failure
 * comes back as a reason a person can act on.
 */

const here = dirname(fileURLToPath(import.meta.url));

export interface PackageJson {
  name: string;
  version: string;
  main?: string;
  exports?: unknown;
}

/** The folder of an installed package, found by walking node_modules upward from the bench. */
export function packageDir(name: string): string | undefined {
  for (let dir = here; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

export function packageJson(name: string): PackageJson | undefined {
  const dir = packageDir(name);
  if (!dir) return undefined;
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
  } catch {
    return undefined;
  }
}

export function packageVersion(name: string): string | undefined {
  return packageJson(name)?.version;
}

/** The file an ESM `import(name)` would load, from `exports['.']` or `main`. */
function entryFile(dir: string, pkg: PackageJson): string | undefined {
  const e = pkg.exports as Record<string, unknown> | string | undefined;
  let target: unknown = typeof e === 'string' ? e : e && typeof e === 'object' ? (e['.'] ?? e) : undefined;
  while (target && typeof target === 'object') {
    const t = target as Record<string, unknown>;
    target = t.import ?? t.node ?? t.default ?? t.require;
  }
  const rel = typeof target === 'string' ? target : pkg.main;
  return rel ? join(dir, rel) : undefined;
}

export type Loaded<M> = { ok: true; module: M; version: string } | { ok: false; reason: string; version?: string };

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0];
}

/**
 * Imports a package by name. A missing package, an unbuilt workspace package (its entry file
 * absent) and an import that throws each come back with their own reason.
 */
export async function loadPackage<M = Record<string, unknown>>(name: string): Promise<Loaded<M>> {
  const dir = packageDir(name);
  if (!dir) return { ok: false, reason: `${name} is not installed (run pnpm install)` };
  const pkg = packageJson(name)!;
  const entry = entryFile(dir, pkg);
  if (entry && !existsSync(entry)) {
    const workspace = !dir.includes(`${join('node_modules', '.pnpm')}`) && existsSync(join(dir, 'src'));
    return {
      ok: false,
      version: pkg.version,
      reason: workspace
        ? `${name} is not built (no ${entry.slice(dir.length + 1)}; run pnpm --filter ${name} build)`
        : `${name}: entry file ${entry} is missing`,
    };
  }
  try {
    // A variable specifier: these packages are optional at build time.
    const specifier: string = name;
    const module = (await import(specifier)) as M;
    return { ok: true, module, version: pkg.version };
  } catch (e) {
    return { ok: false, version: pkg.version, reason: `importing ${name} failed: ${firstLine(e)}` };
  }
}

export { firstLine };
