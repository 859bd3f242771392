// docs/observability.md: a Semaphore instrumented on the real OpenTelemetry
// SDK, exported for Prometheus on a loopback port and scraped once. Run by spec/snippets.spec.ts.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { lastValueFrom, range, timer } from 'rxjs';

const port = await new Promise<number>((resolve) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    server.close(() => resolve(port));
  });
});
const call = (id: number) => timer(5 + (id % 3));
const ids$ = range(1, 12);

// docs: begin
import { metrics } from '@opentelemetry/api';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { Semaphore, semaphoreMap } from 'rxjs-concurrency';
import { instrument } from 'rxjs-concurrency/otel';

// the service's OpenTelemetry setup, once (here: Prometheus scrapes /metrics)
const exporter = new PrometheusExporter({ host: '127.0.0.1', port });
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [exporter] }));

const upstream = new Semaphore(4);
instrument(upstream, { meter: metrics.getMeter('checkout'), name: 'upstream', attributes: { 'service.tier': 'api' } });
ids$.pipe(semaphoreMap(upstream, (id) => call(id))).subscribe();
// docs: end

await lastValueFrom(timer(200));
const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
const value = (line: RegExp) => Number(line.exec(text)?.[1]);
const completed = value(/^rxjs_concurrency_sections_total\{[^}]*rxjs_concurrency_outcome="complete"[^}]*\} (\S+)$/m);
const waited = value(/^rxjs_concurrency_section_wait_duration_count\{[^}]*\} (\S+)$/m);
const limit = value(/^rxjs_concurrency_permits_limit\{[^}]*service_tier="api"[^}]*\} (\S+)$/m);
assert.equal(completed, 12);
assert.equal(waited, 12);
assert.equal(limit, 4);
await exporter.shutdown();
console.log(`scraped: ${completed} sections complete, ${waited} waits, limit ${limit}`);
