#!/usr/bin/env node
/** The `rnnkit-onnx` command (see cli/run.ts; `rnnkit-onnx --help` lists the options). */
import { runCli } from './cli/run.js';

process.exitCode = await runCli(process.argv.slice(2));
