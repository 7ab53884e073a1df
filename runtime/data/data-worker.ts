/**
 * A data worker thread: decodes, reads and augments images for the training
 * thread (workers.ts starts it). One job at a time, in arrival order, so a
 * worker keeps one core busy; results travel back as transferred buffers.
 */
import { parentPort } from 'node:worker_threads';
import { JobHost, type WorkerReply, type WorkerRequest } from './workers.js';

const port = parentPort;
if (!port) throw new Error('data-worker.js runs as a worker thread');

const host = new JobHost();
let queue: Promise<void> = Promise.resolve();
port.on('message', (req: WorkerRequest) => {
  queue = queue.then(async () => {
    const reply: WorkerReply = await host.handle(req);
    port.postMessage(reply, transferList(reply));
  });
});

/** The result's big arrays move to the other thread instead of being copied. */
function transferList(reply: WorkerReply): ArrayBuffer[] {
  if (!('result' in reply)) return [];
  const r = reply.result;
  const arrays = 'xs' in r ? r.xs : [r.pixels, ...(r.moments ? [r.moments] : [])];
  return [...new Set(arrays.map((a) => a.buffer))].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
}
