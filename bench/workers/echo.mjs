// The raw `worker_threads` peer: a number comes back plus one; `{ copy }` comes back copied, `{ move }`
// moved; `{ stream: n }` comes back as n messages (the values 0…n−1), then `'end'`.
import { parentPort } from 'node:worker_threads';
parentPort.on('message', (x) => {
  if (typeof x === 'number') return parentPort.postMessage(x + 1);
  if (x.copy) return parentPort.postMessage(x.copy);
  if (x.move) return parentPort.postMessage(x.move, [x.move.buffer]);
  for (let i = 0; i < x.stream; i++) parentPort.postMessage(i);
  parentPort.postMessage('end');
});
