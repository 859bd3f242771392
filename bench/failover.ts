// A RedisSemaphore(2) through Sentinel failovers: 3 processes × 2 loops of sections, the master
// SIGKILLed mid-run and the replica promoted (scripts/failover-run.ts), with the default settings and
// with `replicas: 1`, alternating. Three scenarios: short sections (25 ms) and a replica in step; the
// same with the replica cut off until the master grants one more section (so that grant is lost);
// long sections (0.5–8 s) with the replica cut off. The figures of the failover table in docs/redis.md.
import { runFailover, type FailoverOptions, type FailoverResult } from '../scripts/failover-run.js';
import { startSentinelSet } from '../scripts/redis-server.js';
import { percentile, quick, record } from './harness.js';

const SCENARIOS: readonly [string, FailoverOptions, number][] = [
  ['25 ms sections, replica in step', {}, 5],
  ['25 ms sections, replica cut off at the last grant', { lag: true }, 5],
  ['0.5–8 s sections, replica cut off at the last grant', { lag: true, hold: '500-8000', before: 3000, after: 8000 }, 3],
];

/** `only`: the indexes of the scenarios to run (all by default). */
export async function failovers(only?: readonly number[]): Promise<void> {
  for (const [index, [scenario, options, full]] of SCENARIOS.entries()) {
    if ((quick && index > 0) || (only && !only.includes(index))) continue;
    const runs = quick ? 1 : full;
    const plain: FailoverResult[] = [];
    const replicas: FailoverResult[] = [];
    for (let i = 0; i < runs; i++) {
      // a fresh set for each failover: a second failover in one set of the tests' making has left
      // the promoted replica pointed at the dead master (see scripts/redis-server.ts)
      // a set that does not heal after its failover (the old master never links to the promoted
      // one: seen once in a full run on a loaded machine, the promoted replica re-pointed at the
      // restarted old master) is the harness failing, not the run: that run is made once more
      const once = async (into: FailoverResult[], extra: FailoverOptions) => {
        for (let attempt = 1; ; attempt++) {
          const set = await startSentinelSet();
          try {
            into.push(await runFailover(set, `bench-failover-${into.length}-${Date.now()}`, { ...options, ...extra }));
            return;
          } catch (error) {
            if (attempt === 2) throw error;
            console.log(`  failover run (${scenario}) made again: ${(error as Error).message.slice(0, 300)}`);
          } finally {
            await set.stop();
          }
        }
      };
      await once(plain, {});
      if (!quick) await once(replicas, { replicas: 1 });
    }
    for (const r of [...plain, ...replicas]) console.log(`  failover run (${scenario}): ${JSON.stringify(r)}`);
    report(`${scenario}, ${runs} failover(s)`, plain, replicas);
  }
}

const errored = (r: FailoverResult, kind: string) => r.errors[kind] ?? 0;

function report(label: string, plain: FailoverResult[], replicas: FailoverResult[]): void {
  type Row = [string, (list: FailoverResult[]) => number, string, string, (o: number, p: number) => boolean | undefined];
  const rows: Row[] = [
    ['sections over the permits at once, most in any run', (l) => Math.max(...l.map((r) => r.over)), 'sections', 'replicas: 1 = 0', (_o, p) => (Number.isNaN(p) ? undefined : p === 0)],
    ['sections that ran on a grant the promoted replica lacked, all runs', (l) => l.reduce((s, r) => s + r.enteredUnreplicated, 0), 'sections', 'replicas: 1 = 0', (_o, p) => (Number.isNaN(p) ? undefined : p === 0)],
    ['runs with sections over the permits', (l) => l.filter((r) => r.over > 0).length, 'runs', '—', () => undefined],
    ['holding sections ended by LeaseLostError (their grant lost), per failover', (l) => l.reduce((s, r) => s + errored(r, 'LeaseLostError (holding)'), 0) / l.length, 'sections', '—', () => undefined],
    ['waiting sections ended by LeaseLostError, per failover', (l) => l.reduce((s, r) => s + errored(r, 'LeaseLostError (waiting)'), 0) / l.length, 'sections', '—', () => undefined],
    ['other errors, tokens repeated or backwards, sections hung, processes stuck', (l) => l.reduce((s, r) => s + Object.entries(r.errors).filter(([k]) => !k.startsWith('LeaseLostError')).length + r.repeatedTokens + r.backwardTokens + r.hung + r.stuck, 0), '', '= 0 both', (o, p) => o === 0 && (Number.isNaN(p) || p === 0)],
    ['promotion (kill → replica is master), median', (l) => percentile(l.map((r) => r.promotion), 0.5), 'ms', '—', () => undefined],
    ['serving again (kill → first section after the promotion), median', (l) => percentile(l.map((r) => r.serving), 0.5), 'ms', '—', () => undefined],
    ['hand-off p50 before the kill, median of runs', (l) => percentile(l.map((r) => r.handoff[0]), 0.5), 'ms', '—', () => undefined],
    ['hand-off p99 before the kill, median of runs', (l) => percentile(l.map((r) => r.handoff[1]), 0.5), 'ms', '—', () => undefined],
  ];
  for (const [what, pick, unit, target, met] of rows) {
    const o = pick(plain);
    const p = replicas.length ? pick(replicas) : NaN;
    record({ group: 'failover', name: `Semaphore(2) via Sentinel, ${label}: ${what}`, ours: o, peer: p, peerName: 'ours, replicas: 1', unit, ratio: o / p, target, met: met(o, p) });
  }
}
