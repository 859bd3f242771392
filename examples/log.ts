/** A time-stamped logger for the demo scenarios: prints `[ 123 ms] message` and keeps the lines. */
export interface Log {
  (message: string): void;
  readonly lines: string[];
}

export function createLog(print = true): Log {
  const start = performance.now();
  const lines: string[] = [];
  const log = (message: string) => {
    lines.push(message);
    if (print) console.log(`[${String(Math.round(performance.now() - start)).padStart(4)} ms] ${message}`);
  };
  return Object.assign(log, { lines });
}

/** Runs a scenario file on its own when it is the program (`npx tsx examples/race-mirrors.ts`). */
export function runIfMain(url: string, scenario: (log: Log) => Promise<unknown>): void {
  if (process.argv[1] && url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!)) {
    void scenario(createLog());
  }
}
