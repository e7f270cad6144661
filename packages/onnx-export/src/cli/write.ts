import { realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { RnnkitError } from '@rnnkit/core';

/**
 * Writes next to the target and renames, so a failed write never leaves a partial file. A
 * failure is an RnnkitError (INVALID_FILE) naming `flag` and the path.
 */
export async function writeAtomically(path: string, bytes: Uint8Array, flag = '--output'): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new RnnkitError(
      'INVALID_FILE',
      `${flag}: cannot write ${JSON.stringify(path)} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); nothing was written there`,
      { argument: flag, cause: e },
    );
  }
}

/** The same file: the same resolved path, the same real path (symlinks), or the same inode (hard links). */
export async function sameFile(a: string, b: string): Promise<boolean> {
  if (resolve(a) === resolve(b)) return true;
  const real = async (p: string) => realpath(p).catch(() => undefined);
  const [ra, rb] = await Promise.all([real(a), real(b)]);
  if (ra !== undefined && ra === rb) return true;
  const [sa, sb] = await Promise.all([stat(a).catch(() => undefined), stat(b).catch(() => undefined)]);
  return sa !== undefined && sb !== undefined && sa.dev === sb.dev && sa.ino === sb.ino;
}

/**
 * Every output must be another file than every input (and than every other output): an export
 * must never overwrite what it reads. Throws INVALID_ARGUMENT naming both flags and the path.
 */
export async function checkOutputs(
  outputs: readonly [flag: string, path: string | undefined][],
  inputs: readonly [flag: string, path: string | undefined][],
): Promise<void> {
  const outs = outputs.filter((o): o is [string, string] => o[1] !== undefined);
  for (const [oflag, opath] of outs) {
    for (const [iflag, ipath] of inputs) {
      if (ipath !== undefined && (await sameFile(opath, ipath))) {
        throw new RnnkitError(
          'INVALID_ARGUMENT',
          `${oflag}: expected a file other than the input ${iflag} ${JSON.stringify(ipath)}, got the same file (it would be overwritten); nothing was written`,
          { argument: oflag },
        );
      }
    }
  }
  for (let i = 0; i < outs.length; i++) {
    for (let j = i + 1; j < outs.length; j++) {
      if (await sameFile(outs[i][1], outs[j][1])) {
        throw new RnnkitError(
          'INVALID_ARGUMENT',
          `${outs[j][0]}: expected a file other than ${outs[i][0]} ${JSON.stringify(outs[i][1])}, got the same file; nothing was written`,
          { argument: outs[j][0] },
        );
      }
    }
  }
}
