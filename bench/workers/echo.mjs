import { parentPort } from 'node:worker_threads';
parentPort.on('message', (x) => parentPort.postMessage(x + 1));
