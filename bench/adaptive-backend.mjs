// The backend of bench/adaptive.ts, in its own process: a node:http server on a loopback port whose
// capacity C changes on a line `capacity <C>` (stdin). Up to C requests in flight are served in
// SERVICE ms each; beyond C they queue (FIFO), so latency grows; beyond 2C in all it answers 503
// at once. Prints `port <n>` when it listens.
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';

const SERVICE = Number(process.argv[2] ?? 20);
let capacity = Number(process.argv[3] ?? 16);
let serving = 0;
const queue = [];

const finish = (res) => {
  res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  serving--;
  pump();
};
const pump = () => {
  while (serving < capacity && queue.length > 0) {
    const res = queue.shift();
    if (res.destroyed) continue;
    serving++;
    setTimeout(finish, SERVICE, res);
  }
};

const server = createServer((_req, res) => {
  if (serving + queue.length >= 2 * capacity) return void res.writeHead(503, { 'content-type': 'text/plain' }).end('overloaded');
  queue.push(res);
  pump();
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(`port ${server.address().port}`));
createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, value] = line.split(' ');
  if (command === 'capacity') {
    capacity = Number(value);
    pump();
  } else if (command === 'exit') process.exit(0);
});
