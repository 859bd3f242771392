// AdaptiveLimit against fixed limits, in front of a real backend whose capacity changes: a loopback
// node:http server in its own process (bench/adaptive-backend.mjs) serves up to C requests at once
// in 20 ms each, queues the next C, and answers 503 beyond 2C. A closed loop of 200 callers sends
// requests through the limit (fetch, as a Node service calls an HTTP backend); C runs 16, then 4,
// then 32. For each phase: goodput (successful responses per second), p99 latency (from the caller's
// call to the response, waiting for a permit included) and the share of errors, for each algorithm,
// for a fixed Semaphore(16), and for the best fixed limit of that phase found in hindsight (a sweep).
// With --write, the adaptive runs' limit, latency and goodput over time go to docs/data/adaptive.json,
// from which `npm run docs` draws docs/img/adaptive-{limit,goodput,latency}.svg.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { count, defer, lastValueFrom, of, range } from 'rxjs';
import { packedPackage, pair, percentile, quick, record } from './harness.js';
import type { PermitSource } from '../src/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const CALLERS = 200;
const SERVICE_MS = 20;
const CAPACITIES = [16, 4, 32];

interface Call {
  readonly start: number;
  readonly end: number;
  readonly ok: boolean;
}

interface Run {
  readonly calls: Call[];
  /** [ms since start, limit] every 50 ms, for an adaptive limit */
  readonly limits: [number, number][];
}

/** The trace of one adaptive run, as docs/data/adaptive.json keeps it. */
export interface AdaptiveTrace {
  readonly phaseMs: number;
  readonly capacities: readonly number[];
  readonly serviceMs: number;
  readonly runs: Record<string, { limit: [number, number][]; goodput: [number, number][]; p50: [number, number][] }>;
}

async function startBackend(): Promise<{ url: string; capacity(c: number): void; stop(): void }> {
  const child = spawn(process.execPath, [`${root}bench/adaptive-backend.mjs`, String(SERVICE_MS), String(CAPACITIES[0])], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => createInterface({ input: child.stdout! }).once('line', (line) => resolve(Number(line.split(' ')[1]))));
  return {
    url: `http://127.0.0.1:${port}/`,
    capacity: (c) => child.stdin!.write(`capacity ${c}\n`),
    stop: () => child.kill(),
  };
}

class Overloaded extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

async function run(backend: Awaited<ReturnType<typeof startBackend>>, limit: PermitSource & { readonly limit?: number }, phaseMs: number): Promise<Run> {
  backend.capacity(CAPACITIES[0]!);
  await new Promise((r) => setTimeout(r, 100));
  const calls: Call[] = [];
  const limits: [number, number][] = [];
  const t0 = performance.now();
  const total = phaseMs * CAPACITIES.length;
  const timers = CAPACITIES.slice(1).map((c, i) => setTimeout(() => backend.capacity(c), (i + 1) * phaseMs));
  const sampler = setInterval(() => limit.limit !== undefined && limits.push([performance.now() - t0, limit.limit]), 50);
  const call = () =>
    defer(async () => {
      const response = await fetch(backend.url);
      const body = await response.text();
      if (!response.ok) throw new Overloaded(response.status);
      return body;
    });
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      while (performance.now() - t0 < total) {
        const start = performance.now() - t0;
        let ok = true;
        await lastValueFrom(limit.section(call())).catch(() => (ok = false));
        calls.push({ start, end: performance.now() - t0, ok });
      }
    }),
  );
  clearInterval(sampler);
  timers.forEach(clearTimeout);
  return { calls, limits };
}

interface PhaseFigures {
  readonly goodput: number;
  readonly p99: number;
  readonly errors: number;
}

function phaseFigures(calls: Call[], from: number, to: number): PhaseFigures {
  const inPhase = calls.filter((c) => c.end >= from && c.end < to);
  const ok = inPhase.filter((c) => c.ok);
  return {
    goodput: ok.length / ((to - from) / 1000),
    p99: percentile(ok.map((c) => c.end - c.start), 0.99),
    errors: inPhase.length === 0 ? 0 : (inPhase.length - ok.length) / inPhase.length,
  };
}

/** A value of the successful calls that ended in each `bucket` ms, as [ms at the bucket's end, value]. */
function perBucket(calls: Call[], until: number, bucket: number, value: (ended: Call[]) => number): [number, number][] {
  const out: [number, number][] = [];
  for (let t = 0; t < until; t += bucket) out.push([t + bucket, value(calls.filter((c) => c.ok && c.end >= t && c.end < t + bucket))]);
  return out;
}

/** Goodput per `bucket` ms, in responses per second. */
const goodputSeries = (calls: Call[], until: number, bucket: number) => perBucket(calls, until, bucket, (ended) => ended.length / (bucket / 1000));

/** The median latency of the successful calls that ended in each `bucket` ms. */
const latencySeries = (calls: Call[], until: number, bucket: number) =>
  perBucket(calls, until, bucket, (ended) => (ended.length ? percentile(ended.map((c) => c.end - c.start), 0.5) : NaN));

export async function adaptiveLimits(): Promise<void> {
  const { AdaptiveLimit, Semaphore, semaphoreMap } = await packedPackage();
  const phaseMs = quick ? 1500 : 4000;
  const sweep = quick ? [4, 16, 32] : [4, 8, 16, 24, 32, 48];
  const backend = await startBackend();
  const results = new Map<string, Run>();
  try {
    results.set('gradient', await run(backend, new AdaptiveLimit({ initial: 16, min: 1, max: 200 }), phaseMs));
    results.set('aimd', await run(backend, new AdaptiveLimit({ initial: 16, min: 1, max: 200, algorithm: 'aimd' }), phaseMs));
    for (const n of sweep) results.set(`Semaphore(${n})`, await run(backend, new Semaphore(n), phaseMs));
  } finally {
    backend.stop();
  }
  // each phase's figures from 0.5 s after its change (what it settles to); the change itself is
  // measured apart: how soon the goodput is back, and the errors while it adapts
  const bounds = CAPACITIES.map((_, i) => [i * phaseMs + 500, (i + 1) * phaseMs] as const);
  for (const [i, [from, to]] of bounds.entries()) {
    const capacity = CAPACITIES[i]!;
    const fixed = sweep.map((n) => [`Semaphore(${n})`, phaseFigures(results.get(`Semaphore(${n})`)!.calls, from, to)] as const);
    // the best fixed limit of this phase, in hindsight: of those that erred on at most 1 % of the
    // calls (one that fails most calls fast shows a low latency for the few it serves), the most
    // goodput, then the lowest p99; the fewest errors if none did
    const clean = fixed.filter(([, f]) => f.errors <= 0.01);
    const [bestName, best] = (clean.length ? clean : [...fixed].sort((a, b) => a[1].errors - b[1].errors).slice(0, 1)).reduce((a, b) =>
      b[1].goodput > a[1].goodput * 1.02 || (b[1].goodput >= a[1].goodput * 0.98 && b[1].p99 < a[1].p99) ? b : a,
    );
    const sixteen = phaseFigures(results.get('Semaphore(16)')!.calls, from, to);
    const label = `C = ${capacity} (${(phaseMs / 1000).toFixed(1)} s)`;
    for (const algorithm of ['gradient', 'aimd']) {
      const calls = results.get(algorithm)!.calls;
      const f = phaseFigures(calls, from, to);
      const goodput = f.goodput / best.goodput;
      record({ group: 'adaptive', name: `${algorithm}, ${label}: goodput`, ours: f.goodput, peer: best.goodput, peerName: `best fixed: ${bestName}`, unit: '/s', ratio: goodput, target: '≥ 0.9', met: goodput >= 0.9, note: `Semaphore(16): ${sixteen.goodput.toFixed(0)}/s` });
      const p99 = f.p99 / best.p99;
      record({ group: 'adaptive', name: `${algorithm}, ${label}: p99 latency`, ours: f.p99, peer: best.p99, peerName: `best fixed: ${bestName}`, unit: 'ms', ratio: p99, target: '≤ 1.5', met: p99 <= 1.5, note: `Semaphore(16): ${sixteen.p99.toFixed(0)} ms` });
      record({ group: 'adaptive', name: `${algorithm}, ${label}: error share`, ours: f.errors, peer: sixteen.errors, peerName: 'Semaphore(16)', unit: 'share', ratio: f.errors, target: '≤ 0.01', met: f.errors <= 0.01 });
      if (i > 0) {
        // how long after the change its goodput (per 250 ms) first reaches 90 % of the best fixed limit's
        const start = i * phaseMs;
        const buckets = goodputSeries(calls, (i + 1) * phaseMs, 250).filter(([t]) => t > start);
        const reached = buckets.find(([, g]) => g >= 0.9 * best.goodput);
        const after = reached ? reached[0] - start : Infinity;
        record({ group: 'adaptive', name: `${algorithm}, ${label}: time to 90 % of the best goodput after the change`, ours: after, peer: 1000, peerName: 'target', unit: 'ms', ratio: after / 1000, target: '≤ 1 s', met: after <= 1000 });
        const change = phaseFigures(calls, start, start + 500);
        const fixedChange = phaseFigures(results.get('Semaphore(16)')!.calls, start, start + 500);
        record({ group: 'adaptive', name: `${algorithm}, ${label}: error share in the 0.5 s after the change`, ours: change.errors, peer: fixedChange.errors, peerName: 'Semaphore(16)', unit: 'share', ratio: change.errors, target: '—', met: undefined });
      }
    }
  }

  if (process.argv.includes('--write')) {
    const total = phaseMs * CAPACITIES.length;
    const trace: AdaptiveTrace = {
      phaseMs,
      capacities: CAPACITIES,
      serviceMs: SERVICE_MS,
      runs: Object.fromEntries(
        ['gradient', 'aimd'].map((algorithm) => {
          const r = results.get(algorithm)!;
          const round = (series: [number, number][]) => series.map(([t, v]) => [Math.round(t), Number.isFinite(v) ? Math.round(v * 10) / 10 : NaN] as [number, number]);
          return [algorithm, { limit: round(r.limits), goodput: round(goodputSeries(r.calls, total, 250)), p50: round(latencySeries(r.calls, total, 250)) }];
        }),
      ),
    };
    mkdirSync(`${root}docs/data`, { recursive: true });
    writeFileSync(`${root}docs/data/adaptive.json`, `${JSON.stringify(trace)}\n`);
  }

  // a backend that is never overloaded: what learning costs a section
  const n = quick ? 50_000 : 500_000;
  await pair({
    group: 'adaptive',
    name: `semaphoreMap over AdaptiveLimit (never overloaded), ${n.toLocaleString('en')} sync inners`,
    peerName: 'semaphoreMap(Semaphore(16))',
    ours: () => lastValueFrom(range(0, n).pipe(semaphoreMap(new AdaptiveLimit({ initial: 16, max: 16 }), (x) => of(x)), count())),
    peer: () => lastValueFrom(range(0, n).pipe(semaphoreMap(new Semaphore(16), (x) => of(x)), count())),
    max: 1.2,
  });
}
