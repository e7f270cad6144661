import type { Backend } from '@rnnkit/core';
import { gru, lastStep, linear, lstm, sequential } from '@rnnkit/core';

/** The one model and input every bundle runs, in the browser and in Node. */
export const INPUT = { shape: [2, 5, 3], data: Float32Array.from({ length: 30 }, (_, i) => Math.sin(i * 0.7)) };

export function makeModel() {
  return sequential([lstm({ inputSize: 3, hiddenSize: 8 }), gru({ hiddenSize: 4 }), lastStep(), linear({ outFeatures: 2 })], { seed: 7 });
}

export async function predictOn(backend: Backend): Promise<number[]> {
  const y = await makeModel().to(backend).predict(INPUT);
  return Array.from(y.data);
}

/** What a page returns from `rnnkitRun()`. */
export type PageResult = { engine: string; data: number[]; bytes?: number[] } | { unavailable: string };
