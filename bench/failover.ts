// A RedisSemaphore(2) through Sentinel failovers: 3 processes × 2 loops of 25 ms sections, the master
// SIGKILLed mid-run and the replica promoted (scripts/failover-run.ts), with the default settings and
// with `replicas: 1`, alternating, `runs` failovers each. The figures the docs' failover table quotes.
import { runFailover, type FailoverResult } from '../scripts/failover-run.js';
import { startSentinelSet } from '../scripts/redis-server.js';
import { percentile, quick, record } from './harness.js';

export async function failovers(): Promise<void> {
  const set = await startSentinelSet();
  const runs = quick ? 1 : 5;
  const results: Record<'plain' | 'replicas', FailoverResult[]> = { plain: [], replicas: [] };
  try {
    for (let i = 0; i < runs; i++) {
      results.plain.push(await runFailover(set, `bench-failover-plain-${i}`));
      if (!quick) results.replicas.push(await runFailover(set, `bench-failover-replicas-${i}`, { replicas: 1 }));
    }
  } finally {
    await set.stop();
  }
  const counts = (list: FailoverResult[]) => list.map((r) => Object.values(r.errors).reduce((s, n) => s + n, 0));
  for (const r of [...results.plain, ...results.replicas]) console.log(`  failover run: ${JSON.stringify(r)}`);
  const rows: [string, (list: FailoverResult[]) => number, string, string, (o: number, p: number) => boolean | undefined][] = [
    ['sections over the permits at once, most in any run', (l) => Math.max(...l.map((r) => r.over)), 'sections', 'replicas: 1 = 0', (_o, p) => p === 0],
    ['runs with sections over the permits', (l) => l.filter((r) => r.over > 0).length, 'runs', '—', () => undefined],
    ['sections that errored with LeaseLostError, mean per failover', (l) => counts(l).reduce((s, n) => s + n, 0) / l.length, 'sections', '—', () => undefined],
    ['tokens repeated or backwards, all runs', (l) => l.reduce((s, r) => s + r.repeatedTokens + r.backwardTokens, 0), 'tokens', '= 0 both', (o, p) => o === 0 && (Number.isNaN(p) || p === 0)],
    ['sections hung or processes stuck, all runs', (l) => l.reduce((s, r) => s + r.hung + r.stuck, 0), '', '= 0 both', (o, p) => o === 0 && (Number.isNaN(p) || p === 0)],
    ['promotion (kill → replica is master), median', (l) => percentile(l.map((r) => r.promotion), 0.5), 'ms', '—', () => undefined],
    ['serving again (kill → first section after the promotion), median', (l) => percentile(l.map((r) => r.serving), 0.5), 'ms', '—', () => undefined],
    ['hand-off p50 before the kill, median of runs', (l) => percentile(l.map((r) => r.handoff[0]), 0.5), 'ms', '—', () => undefined],
    ['hand-off p99 before the kill, median of runs', (l) => percentile(l.map((r) => r.handoff[1]), 0.5), 'ms', '—', () => undefined],
  ];
  for (const [what, pick, unit, target, met] of rows) {
    const o = pick(results.plain);
    const p = results.replicas.length ? pick(results.replicas) : NaN;
    record({ group: 'failover', name: `Semaphore(2) via Sentinel, ${runs} failover(s): ${what}`, ours: o, peer: p, peerName: 'ours, replicas: 1', unit, ratio: o / p, target, met: met(o, p) });
  }
}
