import { expect, it } from 'vitest';
import { runForecast } from '../src/forecast.js';

it('forecasts a noisy multi-frequency sine far better than the last value', async () => {
  const r = await runForecast({ quiet: true });
  console.log(
    `forecast: validation MSE ${r.validationMse.toFixed(4)}, naive ${r.naiveMse.toFixed(4)}, noise floor ${r.noiseVariance} (${r.seconds.toFixed(1)} s)`,
  );
  expect(r.validationMse).toBeLessThan(0.25 * r.naiveMse);
  expect(r.validationMse).toBeGreaterThan(r.noiseVariance * 0.8); // no leak of future values
});
