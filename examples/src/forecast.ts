/**
 * Time-series forecasting, many-to-one: a GRU reads 24 steps of a noisy multi-frequency sine
 * and predicts the next value. Windows come from `createSequences`, the z-score is fitted on the
 * training part only, and the last 20% of the series is held out. The model is judged against
 * the naive forecast "the next value equals the last one".
 *
 *   pnpm --filter @rnnkit/examples run forecast
 */
import { adam, cosineWithWarmup, createSequences, evaluate, fit, fitZScore, manyToOne, quantize, Rng, trainValidationSplit } from '@rnnkit/core';
import { cpu, isMain } from './common.js';
import { progressBar } from './progress.js';

export interface ForecastOptions {
  epochs?: number;
  seed?: number;
  quiet?: boolean;
}

export interface ForecastResult {
  /** Mean squared error on the held-out windows, in the series' own units. */
  validationMse: number;
  /** The same for the trained model after `quantize(model, { weights: 'int8' })`. */
  int8ValidationMse: number;
  /** The same for the naive last-value forecast. */
  naiveMse: number;
  /** Variance of the noise added to the series: the best any forecast can do. */
  noiseVariance: number;
  epochs: number;
  seconds: number;
}

/** s(t) = sin(2πt/20) + 0.5 sin(2πt/7 + 1) + 0.3 sin(2πt/45) + N(0, 0.1²). */
export function makeSeries(n: number, seed: number, noise = 0.1): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from(
    { length: n },
    (_, t) => Math.sin((2 * Math.PI * t) / 20) + 0.5 * Math.sin((2 * Math.PI * t) / 7 + 1) + 0.3 * Math.sin((2 * Math.PI * t) / 45) + noise * r.normal(),
  );
}

export async function runForecast(o: ForecastOptions = {}): Promise<ForecastResult> {
  const t0 = performance.now();
  const seed = o.seed ?? 1;
  const epochs = o.epochs ?? 12;
  const window = 24;
  const series = makeSeries(1400, seed);
  // Split the raw series first (the validation part starts with `window` steps of context), then window each part.
  const split = trainValidationSplit(series, { validationFraction: 0.2, overlap: window });
  const z = fitZScore(split.train);
  const train = createSequences(z.transform(split.train), { window, horizon: 1 });
  const val = createSequences(z.transform(split.validation), { window, horizon: 1 });

  const backend = await cpu();
  const model = manyToOne({ cell: 'gru', inputSize: 1, hiddenSize: 24, outputSize: 1, seed }).to(backend);
  const batchSize = 32;
  const steps = epochs * Math.ceil(train.x.shape[0] / batchSize);
  const progress = progressBar('forecast', o.quiet);
  try {
    await fit(model, train, {
      loss: 'mse',
      optimizer: adam({ lr: 0.01, schedule: cosineWithWarmup({ warmupSteps: 20, totalSteps: steps, minFactor: 0.05 }) }),
      epochs,
      batchSize,
      maxNorm: 1,
      validation: val,
      seed,
      callbacks: progress.callbacks,
    });
  } finally {
    progress.done();
  }
  const scaled = await evaluate(model, val, { loss: 'mse' });
  const std = z.toJSON().std[0];
  const validationMse = scaled.loss * std * std;
  const int8 = (await quantize(model, { weights: 'int8' })).to(backend);
  const int8ValidationMse = (await evaluate(int8, val, { loss: 'mse' })).loss * std * std;
  int8.dispose();
  // Naive forecast: the window's last value.
  const N = val.x.shape[0];
  let naive = 0;
  for (let i = 0; i < N; i++) naive += (val.x.data[i * window + window - 1] - val.y.data[i]) ** 2;
  const naiveMse = (naive / N) * std * std;
  model.dispose();
  return { validationMse, int8ValidationMse, naiveMse, noiseVariance: 0.01, epochs, seconds: (performance.now() - t0) / 1000 };
}

if (isMain(import.meta.url)) {
  const r = await runForecast();
  console.log(
    `validation MSE ${r.validationMse.toFixed(4)} vs naive last-value ${r.naiveMse.toFixed(4)} (noise floor ${r.noiseVariance}) in ${r.seconds.toFixed(1)} s`,
  );
}
