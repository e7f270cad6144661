import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGE_ROOT, REPO_ROOT } from './guide_runner.js';

/**
 * `pnpm run docs` (scripts/docs.mjs) is the CI check that every public export has a doc comment.
 * Here it runs, with the repository's TypeDoc and the same validation settings as typedoc.json,
 * on a scratch package with one documented and one undocumented export: it must fail naming the
 * undocumented one, and pass once that export is in the baseline list of older gaps.
 */

const dir = join(PACKAGE_ROOT, '.guides', 'docs-check');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function setUp(baseline: string[]): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(
    join(dir, 'src', 'index.ts'),
    '/** Documented: the check must not flag it. */\nexport function documented(): number {\n  return 1;\n}\n\nexport function undocumentedExport(): number {\n  return 2;\n}\n',
  );
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: [] },
      include: ['src'],
    }),
  );
  writeFileSync(
    join(dir, 'typedoc.json'),
    JSON.stringify({
      name: 'docs-check scratch package',
      entryPointStrategy: 'resolve',
      entryPoints: [join(dir, 'src', 'index.ts')],
      tsconfig: join(dir, 'tsconfig.json'),
      readme: 'none',
      validation: { notExported: true, invalidLink: true, notDocumented: true },
      // As typedoc.json: no source links, so TypeDoc needs no git remote (a checkout without
      // one, e.g. an unpacked archive, warned "git remote origin was not valid" and failed).
      disableSources: true,
    }),
  );
  writeFileSync(join(dir, 'baseline.txt'), `# older gaps\n${baseline.join('\n')}\n`);
}

function check(): { status: number | null; out: string } {
  const r = spawnSync(
    'node',
    [join(REPO_ROOT, 'scripts', 'docs.mjs'), '--check', '--options', join(dir, 'typedoc.json'), '--baseline', join(dir, 'baseline.txt')],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    },
  );
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('scripts/docs.mjs (pnpm run docs)', () => {
  let entry = '';
  it('fails on an undocumented export and names it, and only it', () => {
    setUp([]);
    const { status, out } = check();
    expect(status, out).toBe(1);
    expect(out).toContain('1 public export(s) without a doc comment');
    const line = out.split('\n').find((l) => l.includes('undocumentedExport'));
    expect(line, out).toMatch(/: undocumentedExport \(CallSignature\)$/);
    expect(out).not.toMatch(/: documented \(/);
    entry = line!.trim();
  });

  it('passes when that export is a listed older gap', () => {
    expect(entry).not.toBe('');
    setUp([entry]);
    const { status, out } = check();
    expect(status, out).toBe(0);
    expect(out).toContain('every public export is documented (1 older gaps listed');
  });
});
