// The pictures of docs/AdaptiveLimit.md (from the trace the adaptive benchmark wrote,
// docs/data/adaptive.json) and of docs/observability.md: what a user sees of a Semaphore through OpenTelemetry, over
// a run of the demo's API scenario (examples/api-semaphore.ts, scaled up), drawn from the same
// instruments `rxjs-concurrency/otel` registers, read by the real SDK. The run is in virtual time
// (a VirtualTimeScheduler, with `performance.now` following it), so the pictures are the same on
// every machine: `npm run docs` draws them, and spec/docs.spec.ts fails on a stale one.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AggregationTemporality, AggregationType, MeterProvider, MetricReader, DataPointType, type HistogramMetricData, type GaugeMetricData } from '@opentelemetry/sdk-metrics';
import { VirtualTimeScheduler, timer } from 'rxjs';
import { Semaphore } from '../src/index.js';
import { instrument } from '../src/otel/index.js';
import type { AdaptiveTrace } from '../bench/adaptive.js';

const imageDir = fileURLToPath(new URL('../docs/img/', import.meta.url));

/** A reader that collects when asked, and nothing more. */
class OnDemandReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

interface Sample {
  readonly t: number;
  readonly used: number;
  readonly waiting: number;
  /** Wait percentiles (ms) of the sections granted since the previous sample (NaN: none). */
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

/** The value at `q` of the waits counted in `counts` (per bucket, bounds in seconds), interpolated within its bucket. */
function percentile(bounds: number[], counts: number[], q: number): number {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return NaN;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    if (seen + counts[i]! >= rank && counts[i]! > 0) {
      const lo = i === 0 ? 0 : bounds[i - 1]!;
      const hi = i < bounds.length ? bounds[i]! : lo * 2;
      return (lo + ((rank - seen) / counts[i]!) * (hi - lo)) * 1000;
    }
    seen += counts[i]!;
  }
  return NaN;
}

/**
 * Semaphore(4) in front of an API whose calls take 40–79 ms (as in the demo): 240 requests arrive
 * one every 5 ms (200/s, three times what 4 permits at ~60 ms serve), then none; sampled every 50 ms.
 */
export async function observedRun(): Promise<Sample[]> {
  const scheduler = new VirtualTimeScheduler(undefined, Infinity);
  const realNow = performance.now;
  Object.defineProperty(performance, 'now', { value: () => scheduler.now(), configurable: true, writable: true });
  try {
    const reader = new OnDemandReader();
    // the wait histogram in 100 ms buckets up to 3 s (the default ones are coarser): a View, as a
    // user would set one, over the same instrument
    const provider = new MeterProvider({
      readers: [reader],
      views: [{ instrumentName: 'rxjs_concurrency.section.wait.duration', aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: Array.from({ length: 30 }, (_, i) => (i + 1) / 10) } } }],
    });
    const quota = new Semaphore(4);
    instrument(quota, { meter: provider.getMeter('observability'), name: 'api' });
    for (let id = 0; id < 240; id++) {
      scheduler.schedule(() => quota.section(timer(40 + ((id * 23) % 40), scheduler)).subscribe(), id * 5);
    }
    const samples: Sample[] = [];
    let before: number[] | undefined;
    for (let t = 0; t <= 5000; t += 50) {
      scheduler.maxFrames = t;
      scheduler.flush();
      const { resourceMetrics } = await reader.collect();
      const metrics = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
      const gauge = (name: string) => (metrics.find((m) => m.descriptor.name === name) as GaugeMetricData | undefined)?.dataPoints[0]?.value ?? 0;
      const wait = metrics.find((m) => m.descriptor.name === 'rxjs_concurrency.section.wait.duration') as HistogramMetricData | undefined;
      const point = wait?.dataPointType === DataPointType.HISTOGRAM ? wait.dataPoints[0]?.value : undefined;
      const bounds = point?.buckets.boundaries ?? [];
      const cumulative = point?.buckets.counts ?? [];
      const window = cumulative.map((c, i) => c - (before?.[i] ?? 0));
      before = cumulative;
      samples.push({ t, used: gauge('rxjs_concurrency.permits.used'), waiting: gauge('rxjs_concurrency.sections.waiting'), p50: percentile(bounds, window, 0.5), p90: percentile(bounds, window, 0.9), p99: percentile(bounds, window, 0.99) });
      if (t > 0 && samples.at(-1)!.used === 0 && samples.at(-1)!.waiting === 0 && t >= 1200) break;
    }
    await provider.shutdown();
    return samples;
  } finally {
    Object.defineProperty(performance, 'now', { value: realNow, configurable: true, writable: true });
  }
}

interface Series {
  readonly label: string;
  readonly color: string;
  readonly values: readonly number[];
}

/** A line chart: the series over time (ms, `times`), a y axis from 0 to a round top, in plain SVG. */
function chart(title: string, unit: string, times: readonly number[], series: readonly Series[]): string {
  const points = (s: Series): Points => ({ label: s.label, color: s.color, points: s.values.map((v, k) => [times[k]!, v] as const) });
  return plot(title, `time since the first request; ${unit}`, times.at(-1)!, series.map(points), 500);
}

interface Points {
  readonly label: string;
  readonly color: string;
  readonly points: readonly (readonly [number, number])[];
  readonly dashed?: boolean;
}

/**
 * A line chart of series with their own sample times (ms), from 0 to `tMax`, a y axis from 0 to a
 * round top, a label under the x axis every `tick` ms, in plain SVG; a gap where a value is not finite.
 */
function plot(title: string, unit: string, tMax: number, series: readonly Points[], tick = 1000): string {
  const width = 640;
  const height = 240;
  const left = 48;
  const right = 16;
  const top = 46;
  const bottom = 36;
  const most = Math.max(1, ...series.flatMap((s) => s.points.map(([, v]) => v).filter(Number.isFinite)));
  const step = [1, 2, 5, 10, 20, 50, 100, 200, 250, 500, 1000, 2000, 5000].find((s) => most / s <= 5) ?? 10_000;
  const yTop = Math.ceil(most / step) * step;
  const x = (t: number) => (left + (t / tMax) * (width - left - right)).toFixed(1);
  const y = (v: number) => (top + (1 - v / yTop) * (height - top - bottom)).toFixed(1);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${title}">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${left}" y="18" font-family="sans-serif" font-size="13" fill="#222">${title}</text>`,
  ];
  for (let v = 0; v <= yTop; v += step) {
    out.push(`<line x1="${left}" x2="${width - right}" y1="${y(v)}" y2="${y(v)}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${left - 6}" y="${(Number(y(v)) + 4).toFixed(1)}" font-family="sans-serif" font-size="10" fill="#666" text-anchor="end">${v}</text>`);
  }
  const seconds = (t: number) => (tick % 1000 ? (t / 1000).toFixed(1) : `${t / 1000}`);
  for (let t = 0; t <= tMax; t += tick) out.push(`<text x="${x(t)}" y="${height - bottom + 16}" font-family="sans-serif" font-size="10" fill="#666" text-anchor="middle">${seconds(t)} s</text>`);
  out.push(`<text x="${width - right}" y="${height - 6}" font-family="sans-serif" font-size="10" fill="#666" text-anchor="end">${unit}</text>`);
  series.forEach((s, i) => {
    const runs: string[][] = [[]];
    for (const [t, v] of s.points) Number.isFinite(v) ? runs.at(-1)!.push(`${x(t)},${y(v)}`) : runs.at(-1)!.length && runs.push([]);
    const dash = s.dashed ? ' stroke-dasharray="4 3"' : '';
    for (const run of runs) if (run.length) out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="${s.dashed ? 1.5 : 2}"${dash} points="${run.join(' ')}"/>`);
    const lx = left + i * 140;
    out.push(`<line x1="${lx}" x2="${lx + 16}" y1="32" y2="32" stroke="${s.color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${lx + 20}" y="36" font-family="sans-serif" font-size="11" fill="#222">${s.label}</text>`);
  });
  out.push('</svg>', '');
  return out.join('\n');
}


/** The pictures of docs/AdaptiveLimit.md, drawn from the last benchmark run's trace. */
export function adaptivePictures(): Record<string, string> {
  const trace = JSON.parse(readFileSync(new URL('../docs/data/adaptive.json', import.meta.url), 'utf8'), (_k, v) => (v === null ? NaN : v)) as AdaptiveTrace;
  const tMax = trace.phaseMs * trace.capacities.length;
  const step = (factor: number): [number, number][] => trace.capacities.flatMap((c, i) => [[i * trace.phaseMs, c * factor], [(i + 1) * trace.phaseMs, c * factor]] as [number, number][]);
  const { gradient, aimd } = trace.runs as Record<'gradient' | 'aimd', AdaptiveTrace['runs'][string]>;
  const best = (per: (c: number) => number): [number, number][] => step(1).map(([t, c]) => [t, per(c)]);
  return {
    'adaptive-limit.svg': plot('The limit, while the backend’s capacity C goes 16 → 4 → 32', 'time since the start; C and 2C (beyond which it answers 503) dashed', tMax, [
      { label: 'gradient', color: '#1f77b4', points: gradient.limit },
      { label: 'aimd', color: '#ff7f0e', points: aimd.limit },
      { label: 'C', color: '#2ca02c', points: step(1), dashed: true },
      { label: '2C', color: '#d62728', points: step(2), dashed: true },
    ]),
    'adaptive-goodput.svg': plot('Goodput: successful responses per second (per 250 ms)', `time since the start; the backend's most (C / ${trace.serviceMs} ms) dashed`, tMax, [
      { label: 'gradient', color: '#1f77b4', points: gradient.goodput },
      { label: 'aimd', color: '#ff7f0e', points: aimd.goodput },
      { label: 'C / service time', color: '#2ca02c', points: best((c) => (c * 1000) / trace.serviceMs), dashed: true },
    ]),
    'adaptive-latency.svg': plot('Median latency of a call, ms (200 callers in a closed loop; waiting for a permit included)', 'time since the start', tMax, [
      { label: 'gradient', color: '#1f77b4', points: gradient.p50 },
      { label: 'aimd', color: '#ff7f0e', points: aimd.p50 },
    ]),
  };
}

/** The pictures, by file name under docs/img/. */
export async function observabilityPictures(): Promise<Record<string, string>> {
  const samples = await observedRun();
  const times = samples.map((s) => s.t);
  return {
    'observability-permits.svg': chart('Semaphore(4): permits in use', 'gauges read at each collection (every 50 ms)', times, [
      { label: 'permits.used', color: '#1f77b4', values: samples.map((s) => s.used) },
      { label: 'permits.limit', color: '#999', values: samples.map(() => 4) },
    ]),
    'observability-waiting.svg': chart('Semaphore(4): sections waiting', 'gauge read at each collection (every 50 ms)', times, [
      { label: 'sections.waiting', color: '#d62728', values: samples.map((s) => s.waiting) },
    ]),
    'observability-wait.svg': chart('Wait before the grant, ms: percentiles of the sections granted in each 50 ms', 'percentiles of rxjs_concurrency.section.wait.duration', times, [
      { label: 'p50', color: '#2ca02c', values: samples.map((s) => s.p50) },
      { label: 'p90', color: '#ff7f0e', values: samples.map((s) => s.p90) },
      { label: 'p99', color: '#9467bd', values: samples.map((s) => s.p99) },
    ]),
  };
}

export async function staleObservability(): Promise<string[]> {
  const pictures = { ...(await observabilityPictures()), ...adaptivePictures() };
  return Object.entries(pictures)
    .filter(([file, svg]) => {
      try {
        return readFileSync(`${imageDir}${file}`, 'utf8') !== svg;
      } catch {
        return true;
      }
    })
    .map(([file]) => file);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  mkdirSync(imageDir, { recursive: true });
  const pictures = { ...(await observabilityPictures()), ...adaptivePictures() };
  for (const [file, svg] of Object.entries(pictures)) writeFileSync(`${imageDir}${file}`, svg);
  console.log(`drew ${Object.keys(pictures).length} pictures of metrics into docs/img/`);
}
