// Conformance: rxjs-concurrency/otel as it ships (the build renames the members the limits share,
// so this goes through the renamed names). Every kind of limit and a worker pool of the packed
// package, instrumented with the real OpenTelemetry SDK: per target, its section (a pool: its task)
// is counted. Runs on every runtime of the suite (spec/runtimes.spec.ts); prints `otel ok …`.
import assert from 'node:assert/strict';
import { lastValueFrom, of, toArray } from 'rxjs';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { AdaptiveLimit, KeyedRateLimiter, KeyedSemaphore, Lock, RateLimiter, Semaphore, createWorkerPool, fromWorker } from 'rxjs-concurrency';
import { instrument } from 'rxjs-concurrency/otel';

class Reader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  async onForceFlush() {}
  async onShutdown() {}
}
const reader = new Reader();
const provider = new MeterProvider({ readers: [reader] });
const meter = provider.getMeter('consumer');

/** The sum of the points of `metric` whose name attribute is `name`. */
async function read(metric, name) {
  const { resourceMetrics } = await reader.collect();
  const points = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).filter((m) => m.descriptor.name === metric).flatMap((m) => m.dataPoints);
  return points.filter((p) => p.attributes['rxjs_concurrency.name'] === name).reduce((sum, p) => sum + p.value, 0);
}

const limits = {
  Semaphore: [new Semaphore(2), (t) => t.section(of(1))],
  Lock: [new Lock(), (t) => t.section(of(1))],
  KeyedSemaphore: [new KeyedSemaphore({ permits: 2 }), (t) => t.section('a', of(1))],
  AdaptiveLimit: [new AdaptiveLimit({ initial: 2 }), (t) => t.section(of(1))],
  RateLimiter: [new RateLimiter({ limit: 2, interval: 1000 }), (t) => t.section(of(1))],
  KeyedRateLimiter: [new KeyedRateLimiter({ perKey: { limit: 2, interval: 1000 } }), (t) => t.section('a', of(1))],
};
for (const [name, [target, section]] of Object.entries(limits)) {
  const handle = instrument(target, { meter, name });
  assert.deepEqual(await lastValueFrom(section(target).pipe(toArray())), [1], name);
  assert.equal(await read('rxjs_concurrency.sections', name), 1, `${name}: one section counted`);
  handle.remove();
}

const pool = createWorkerPool(new URL('./tasks.worker.mjs', import.meta.url), { size: 1 });
instrument(pool, { meter, name: 'pool' });
assert.equal(await lastValueFrom(fromWorker(pool, 'add', 40, 2)), 42);
assert.equal(await read('rxjs_concurrency.workers', 'pool'), 1);
assert.equal(await read('rxjs_concurrency.tasks', 'pool'), 1);
await pool.terminate();
await provider.shutdown();
console.log(`otel ok ${Object.keys(limits).length} limits and a pool`);
