/**
 * Deadlines for work that may never settle: a backend whose device was lost can leave a read
 * pending forever, and with nothing else scheduled Node would then exit silently mid-run.
 */

export class DeadlineError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not finish within ${Math.round(ms / 1000)} s`);
    this.name = 'DeadlineError';
  }
}

export function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    // Not unref'd: the pending timer is what keeps the process alive while `p` hangs.
    timer = setTimeout(() => reject(new DeadlineError(what, ms)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
