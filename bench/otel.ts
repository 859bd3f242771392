// What observing costs, with the real OpenTelemetry SDK: semaphoreMap over an instrumented
// Semaphore against an uninstrumented one (each section reads the clock once or twice, records a
// wait and a hold into the SDK's histograms, and counts its outcome in a plain number the SDK
// reads at collection), with synchronous and with awaiting inners, and a worker pool's tiny tasks with and without instrument() (a pool
// has only gauges, read at collection). The SDK's reader never collects during the runs: what a
// section pays is the recording, as in a service between two scrapes.
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { count, lastValueFrom, of, range } from 'rxjs';
import { buildWorker } from '../scripts/build-worker.js';
import { pair, packedPackage, quick } from './harness.js';

class IdleReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

export async function observability(): Promise<void> {
  const { Semaphore, semaphoreMap, createWorkerPool, fromWorker } = await packedPackage();
  const { instrument } = (await import(new URL('../.tmp/bench-project/node_modules/rxjs-concurrency/dist/esm/otel/index.js', import.meta.url).href)) as typeof import('../src/otel/index.js');
  const provider = new MeterProvider({ readers: [new IdleReader()] });
  const meter = provider.getMeter('bench');
  const n = quick ? 50_000 : 500_000;
  const observed = new Semaphore(4);
  instrument(observed, { meter, name: 'bench' });
  const plain = new Semaphore(4);
  await pair({
    group: 'otel',
    name: `semaphoreMap(Semaphore(4)) instrumented, ${n.toLocaleString('en')} sync inners`,
    peerName: 'not instrumented',
    ours: () => lastValueFrom(range(0, n).pipe(semaphoreMap(observed, (x) => of(x)), count())),
    peer: () => lastValueFrom(range(0, n).pipe(semaphoreMap(plain, (x) => of(x)), count())),
    max: 1.15,
  });

  // the same with a body that awaits (a promise per inner), as a service's calls are
  const m = quick ? 20_000 : 100_000;
  await pair({
    group: 'otel',
    name: `semaphoreMap(Semaphore(4)) instrumented, ${m.toLocaleString('en')} async inners`,
    peerName: 'not instrumented',
    ours: () => lastValueFrom(range(0, m).pipe(semaphoreMap(observed, async (x) => x), count())),
    peer: () => lastValueFrom(range(0, m).pipe(semaphoreMap(plain, async (x) => x), count())),
  });

  const url = await buildWorker('bench/workers/ours.ts');
  const tasks = quick ? 2_000 : 20_000;
  const watched = createWorkerPool(url, { size: 2 });
  const handle = instrument(watched, { meter, name: 'pool' });
  const unwatched = createWorkerPool(url, { size: 2 });
  const ids = Array.from({ length: tasks }, (_, i) => i);
  try {
    await pair({
      group: 'otel',
      name: `worker pool instrumented, ${tasks.toLocaleString('en')} tiny tasks on 2 workers`,
      peerName: 'not instrumented',
      ours: () => Promise.all(ids.map((i) => lastValueFrom(fromWorker(watched, 'inc', i)))),
      peer: () => Promise.all(ids.map((i) => lastValueFrom(fromWorker(unwatched, 'inc', i)))),
      max: 1.05,
    });
  } finally {
    handle.remove();
    await watched.terminate();
    await unwatched.terminate();
    await provider.shutdown();
  }
}
