import type { BackendJob, WorkerEvent } from './backend_run.js';
import { runBackendJob } from './backend_run.js';

/** Child-process entry: receives one BackendJob over IPC, streams WorkerEvents back, exits. */

function send(e: WorkerEvent): Promise<void> {
  return new Promise((resolve) => process.send!(e, undefined, {}, () => resolve()));
}

process.once('message', (job: BackendJob) => {
  const pending: Promise<void>[] = [];
  runBackendJob(job, (e) => pending.push(send(e))).then(
    async () => {
      await Promise.all(pending);
      process.exit(0);
    },
    async (e: unknown) => {
      await Promise.all(pending);
      process.stderr.write(`bench worker: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(3);
    },
  );
});
