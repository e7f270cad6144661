import type { EpochLog, FitCallbacks, FitProgress } from '@rnnkit/core';
import { Presets, SingleBar } from 'cli-progress';

/** Seconds as `1m05s` / `12s` for the bar. */
function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const r = Math.round(s);
  return r >= 60 ? `${Math.floor(r / 60)}m${String(r % 60).padStart(2, '0')}s` : `${r}s`;
}

/**
 * A terminal progress bar (cli-progress) driven by fit's `onProgress`: steps done of the total,
 * the epoch, the last step's loss, the last epoch's mean (and validation) loss, elapsed time and
 * ETA. Spread `callbacks` into fit's options and call `done()` after it (also on error).
 * `quiet` (tests) draws nothing; on a non-terminal stdout cli-progress draws nothing either and
 * `done()` prints the summary line alone (to stdout).
 */
export function progressBar(
  name: string,
  quiet: boolean | undefined,
  /** Where to draw (default stderr); a given stream is drawn to even when it is not a terminal. */
  stream?: NodeJS.WritableStream,
): { callbacks: FitCallbacks; done(): void } {
  if (quiet) return { callbacks: {}, done: () => undefined };
  const bar = new SingleBar(
    {
      ...(stream ? { stream, noTTYOutput: true, notTTYSchedule: 0 } : {}),
      format: `[${name}] {bar} {value}/{total} steps | epoch {epoch} | loss {loss} | epoch loss {epochLoss} | {elapsedText} elapsed, ETA {etaText}`,
      hideCursor: true,
      clearOnComplete: false,
    },
    Presets.shades_classic,
  );
  let started = false;
  let last: EpochLog | undefined;
  const payload = { epoch: '1', loss: '-', epochLoss: '-', elapsedText: '0s', etaText: '?' };
  const onProgress = (p: FitProgress) => {
    if (!started) {
      bar.start(p.totalSteps, 0, payload);
      started = true;
    }
    payload.epoch = `${p.epoch + 1}/${p.epochs}`;
    payload.loss = p.loss.toFixed(4);
    payload.elapsedText = duration(p.elapsedSeconds);
    payload.etaText = duration(p.etaSeconds);
    bar.update(p.step, payload);
  };
  const onEpochEnd = (e: EpochLog) => {
    last = e;
    payload.epochLoss = e.loss.toFixed(4) + (e.valLoss !== undefined ? ` (val ${e.valLoss.toFixed(4)})` : '');
    if (started) bar.update(payload);
  };
  return {
    callbacks: { onProgress, onEpochEnd },
    done() {
      if (started) bar.stop();
      if (last) {
        const parts = [`loss ${last.loss.toFixed(4)}`];
        for (const [k, v] of Object.entries(last.metrics)) parts.push(`${k} ${v.toFixed(3)}`);
        if (last.valLoss !== undefined) parts.push(`val loss ${last.valLoss.toFixed(4)}`);
        for (const [k, v] of Object.entries(last.valMetrics ?? {})) parts.push(`val ${k} ${v.toFixed(3)}`);
        console.log(`[${name}] after ${last.epoch + 1} epochs: ${parts.join(', ')}`);
      }
    },
  };
}
