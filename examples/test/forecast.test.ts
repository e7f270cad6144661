import { expect, it } from 'vitest';
import { runForecast } from '../src/forecast.js';

it('forecasts a noisy multi-frequency sine far better than the last value', async () => {
  const r = await runForecast({ quiet: true });
  console.log(
    `forecast: validation MSE ${r.validationMse.toFixed(4)}, naive ${r.naiveMse.toFixed(4)}, noise floor ${r.noiseVariance} (${r.seconds.toFixed(1)} s)`,
  );
  expect(r.validationMse).toBeLessThan(0.25 * r.naiveMse);
  expect(r.validationMse).toBeGreaterThan(r.noiseVariance * 0.8); // no leak of future values
  // int8 (quantize → backend-cpu's int8 kernels) stays within 2% of the float32 metric
  console.log(
    `forecast int8: validation MSE ${r.int8ValidationMse.toFixed(5)} vs float32 ${r.validationMse.toFixed(5)} (${((100 * (r.int8ValidationMse - r.validationMse)) / r.validationMse).toFixed(2)}%)`,
  );
  expect(Math.abs(r.int8ValidationMse - r.validationMse)).toBeLessThanOrEqual(0.02 * r.validationMse);
});
