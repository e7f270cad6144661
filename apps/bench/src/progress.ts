import cliProgress from 'cli-progress';

/**
 * The progress display while a run goes: one bar per phase on a terminal (stderr, so stdout
 * keeps only the tables), a line per phase otherwise (CI logs, tests), nothing when quiet.
 */
export class Progress {
  private bar: cliProgress.SingleBar | undefined;
  private readonly tty: boolean;
  private count = 0;
  private readonly started = performance.now();

  constructor(private readonly quiet = false) {
    this.tty = !quiet && Boolean(process.stderr.isTTY);
  }

  /** Starts a phase of `total` steps, closing the previous one. */
  phase(name: string, total: number): void {
    this.stopBar();
    this.count = 0;
    if (this.quiet) return;
    if (!this.tty) {
      process.stderr.write(`[${this.elapsed()}] ${name}: ${total} steps\n`);
      return;
    }
    this.bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: `${name.padEnd(12)} {bar} {value}/{total} | {elapsed}s | {task}`,
        barsize: 24,
        hideCursor: true,
        clearOnComplete: false,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(Math.max(1, total), 0, { task: '' });
  }

  /** One step of the phase is about to run; `task` says which. */
  tick(task: string): void {
    this.count++;
    this.bar?.update(this.count - 1, { task: task.length > 60 ? `${task.slice(0, 59)}…` : task });
  }

  /** A line that stays (above the bar on a terminal). */
  note(line: string): void {
    if (this.quiet) return;
    if (this.bar) this.bar.stop();
    process.stderr.write(`${line}\n`);
    if (this.bar) {
      const b = this.bar;
      b.start(b.getTotal(), this.count, {});
    }
  }

  done(): void {
    this.stopBar();
  }

  private stopBar(): void {
    if (this.bar) {
      this.bar.update(this.bar.getTotal());
      this.bar.stop();
      this.bar = undefined;
    }
  }

  private elapsed(): string {
    return `${((performance.now() - this.started) / 1000).toFixed(1)}s`;
  }
}
