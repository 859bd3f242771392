// What the OpenTelemetry specs share: the real SDK's MeterProvider with the Prometheus exporter on
// a free loopback port (shut down after the file), a fresh name per target, and a scrape of
// /metrics over HTTP that reads series by name and labels.
import { afterAll, beforeAll } from 'vitest';
import { createServer } from 'node:net';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** Registers the hooks of one spec file and returns its tools. */
export function otelHarness() {
  let provider: MeterProvider;
  let port: number;
  let names = 0;
  beforeAll(async () => {
    port = await freePort();
    provider = new MeterProvider({ readers: [new PrometheusExporter({ port, host: '127.0.0.1' })] });
  });
  afterAll(async () => {
    await provider?.shutdown();
  });
  return {
    /** A meter, and a fresh name for the test's target. */
    setup: () => ({ meter: provider.getMeter('spec'), name: `t${++names}` }),
    /** Scrapes /metrics: a reader of the sum of the series `metric` whose labels include `labels` (undefined: none). */
    async scrape() {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const series = text
        .split('\n')
        .filter((line) => line && !line.startsWith('#'))
        .map((line) => {
          const m = /^(\w+)\{(.*)\} (\S+)$/.exec(line)!;
          const labels = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]));
          return { metric: m[1]!, labels, value: Number(m[3]) };
        });
      return (metric: string, labels: Record<string, string>) => {
        const found = series.filter((s) => s.metric === metric && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
        return found.length === 0 ? undefined : found.reduce((sum, s) => sum + s.value, 0);
      };
    },
  };
}

export const n = (name: string) => ({ rxjs_concurrency_name: name });
export const outcome = (name: string, o: string) => ({ rxjs_concurrency_name: name, rxjs_concurrency_outcome: o });
