import { availableParallelism, cpus, totalmem } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { packedProject } from '../scripts/packed.js';

export const quick = process.argv.includes('--quick');

export interface Result {
  readonly group: string;
  readonly name: string;
  readonly ours: number;
  readonly peer: number;
  readonly peerName: string;
  readonly unit: string;
  /** ours / peer for times (below 1 is faster); for throughputs, ours / peer too (above 1 is faster). */
  readonly ratio: number;
  readonly target: string;
  readonly met: boolean | undefined;
  readonly note?: string;
  /** For alternating pairs: the 10th and 90th percentiles of the per-round ratios. */
  readonly spread?: readonly [number, number];
}

export const results: Result[] = [];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** The p-th percentile (0–1) of `xs`, by linear interpolation. */
export const percentile = (xs: readonly number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * p;
  const lo = Math.floor(at);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (at - lo);
};

async function time(fn: () => unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

export interface PairOptions {
  readonly group: string;
  readonly name: string;
  readonly peerName: string;
  readonly ours: () => unknown;
  readonly peer: () => unknown;
  /** The ratio must be at most this (times). */
  readonly max?: number;
  readonly rounds?: number;
  readonly note?: string;
}

/**
 * Runs ours and the peer alternately (the order flips each round) after a warm-up, and records the
 * medians and their ratio. Machines here are noisy: the ratio is the result, not the times.
 */
export async function pair(options: PairOptions): Promise<Result> {
  const rounds = options.rounds ?? (quick ? 3 : 9);
  await options.ours();
  await options.peer();
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2) {
      b.push(await time(options.peer));
      a.push(await time(options.ours));
    } else {
      a.push(await time(options.ours));
      b.push(await time(options.peer));
    }
  }
  const ours = median(a);
  const peer = median(b);
  // the ratio is the median of the per-round ratios (each round runs both back to back, so a slow
  // moment of the machine hits both), reported with its spread
  const ratios = a.map((t, i) => t / b[i]!);
  const ratio = median(ratios);
  return record({
    spread: [percentile(ratios, 0.1), percentile(ratios, 0.9)],
    group: options.group,
    name: options.name,
    ours,
    peer,
    peerName: options.peerName,
    unit: 'ms',
    ratio,
    target: options.max === undefined ? '—' : `≤ ${options.max}`,
    met: options.max === undefined ? undefined : ratio <= options.max,
    note: options.note,
  });
}

export function record(result: Result): Result {
  results.push(result);
  const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toPrecision(3));
  const verdict = result.met === undefined ? '' : result.met ? '  ok' : '  MISSED';
  const spread = result.spread ? ` [p10–p90 ${result.spread[0].toFixed(2)}–${result.spread[1].toFixed(2)}]` : '';
  console.log(
    `${result.group.padEnd(11)} ${result.name.padEnd(58)} ours ${fmt(result.ours).padStart(9)} ${result.unit.padEnd(7)} ${result.peerName.padEnd(22)} ${fmt(result.peer).padStart(9)} ${result.unit.padEnd(7)} ratio ${result.ratio.toFixed(3)}${spread} (target ${result.target})${verdict}`,
  );
  return result;
}

export function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const cores = typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
  return `${cpu}, ${cores} logical cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}/${process.arch}`;
}

/**
 * The package as a user installs it (built, packed and unpacked into a scratch project by
 * scripts/packed.ts), imported through its Node entry: a benchmark that uses it measures what
 * ships, not src/. rxjs is linked from this checkout, so it is the same rxjs the benchmark uses.
 */
export async function packedPackage(): Promise<typeof import('../src/index.js')> {
  const project = fileURLToPath(new URL('../.tmp/bench-project', import.meta.url));
  packedProject(project, ['rxjs']);
  return (await import(pathToFileURL(`${project}/node_modules/rxjs-concurrency/dist/esm/index.node.js`).href)) as typeof import('../src/index.js');
}
