// Ctrl+C handled gracefully: a child service runs `runUntilSignal`; we send it a real SIGINT.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runIfMain, type Log } from './log.js';

export default function gracefulShutdown(log: Log): Promise<number | null> {
  log('-- runUntilSignal: a child service is sent SIGINT and shuts down cleanly');
  const root = fileURLToPath(new URL('..', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/service.ts'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let buffer = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      log(`service: ${line}`);
      if (line === 'working') {
        log('main: sending SIGINT (Ctrl+C)');
        child.kill('SIGINT');
      }
    }
  });
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      log(`main: the service exited with code ${code}`);
      resolve(code);
    }),
  );
}

runIfMain(import.meta.url, gracefulShutdown);
