export { compositeOnly } from './composite_only.js';
export { errorCases } from './error_cases.js';
export { check, checkClose, expectRnnkitError, KitAssertionError } from './expect.js';
export { faultSweep } from './fault_injection.js';
export { FUSED_TOLERANCE, fusedCases } from './fused_cases.js';
export type { KitCase } from './primitive_cases.js';
export { ACCUMULATION_TOLERANCE, memoryCases, PRIMITIVE_TOLERANCE, primitiveCases } from './primitive_cases.js';
export type {
  RecurrentKernelBiases,
  RecurrentKernelCase,
  RecurrentKernelHooks,
  RecurrentKernelShape,
  RecurrentKernelVariant,
  RecurrentUpstream,
} from './recurrent_kernel_cases.js';
export { compareRecurrentKernels, RECURRENT_KERNEL_VARIANTS, recurrentKernelArgs, recurrentKernelCases } from './recurrent_kernel_cases.js';
export { reliabilityCases } from './reliability_cases.js';
export type { StartedVariant } from './start_variants.js';
export { startBackendVariants } from './start_variants.js';
export type { BackendSuiteOptions, SuitePart, TestApi } from './suite.js';
export { runBackendSuite, SUITE_PARTS } from './suite.js';
export type { TorchReplay } from './torch_replay.js';
export { replayTorchRun } from './torch_replay.js';

import { FUSED_OPS } from '../../backend/backend.js';
import { MEMORY_KERNELS, PRIMITIVE_KERNELS } from '../../backend/kernel_table.js';
/** Every name a backend's memory functions and kernel table may hold. */
export const KERNEL_NAMES = [...MEMORY_KERNELS, ...PRIMITIVE_KERNELS, ...FUSED_OPS] as const;
