// A fast-check property over random schedules of acquire, release, cancel and process death across
// real processes sharing a RedisSemaphore — or a RedisKeyedSemaphore, with random keys and a cap per
// key: the held weight never exceeds the permits (nor, per key, the cap), measured from the sections'
// own log in Redis, on Redis's clock; grants follow arrival order at Redis (within a key, for the
// keyed one: fencing tokens); and nothing is left held or queued at the end.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { redisHarness, sleep, waitFor, type Replica } from './harness.js';

const harness = redisHarness('semprop');
const SOAK = process.env.SOAK === '1';
// Long enough that a process starved by a loaded machine never loses its lease. A dead holder's
// permits come back only after it: a run does not wait for them (the next run uses a new name), and
// the SIGKILL test of RedisSemaphore.spec.ts checks that they do come back.
const LEASE = 10_000;

type Op =
  | { kind: 'acquire'; driver: number; weight: number; key: number; gap: number }
  | { kind: 'release'; index: number; gap: number }
  | { kind: 'cancel'; index: number; gap: number }
  | { kind: 'kill'; driver: number; gap: number };

const gap = fc.integer({ min: 0, max: 25 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('acquire' as const), driver: fc.nat(2), weight: fc.integer({ min: 1, max: 3 }), key: fc.nat(2), gap }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('release' as const), index: fc.nat(), gap }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), index: fc.nat(), gap }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('kill' as const), driver: fc.nat(2), gap }) },
);

interface Acquisition {
  readonly id: string;
  readonly driver: Replica;
  readonly weight: number;
  readonly key: string;
  /** its id in Redis's queue and holder sets */
  member?: string;
  done: boolean;
}

async function startDriver(): Promise<Replica> {
  const driver = harness.child(['drive', '-', '-', String(LEASE)]);
  await waitFor(() => driver.lines.includes('ready'), 30_000);
  return driver;
}

describe.each([
  { variant: 'RedisSemaphore', prefix: 'rxc', keyed: false },
  { variant: 'RedisKeyedSemaphore', prefix: 'rxk', keyed: true },
])('$variant across processes, random schedules', ({ prefix, keyed }) => {
  it('never more than `permits` held (nor `perKey` for a key), grants in arrival order (within a key), nothing left behind — through releases, cancels and deaths', async () => {
    const redis = harness.client();
    let drivers: Replica[] = await Promise.all([startDriver(), startDriver(), startDriver()]);
    let round = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.array(op, { minLength: 1, maxLength: 14 }), async (permits, capped, ops) => {
        const name = `${harness.name()}-${++round}`;
        const perKey = keyed ? Math.min(capped, permits) : permits;
        const key = (k: string) => `${prefix}:{${name}}:${k}`;
        // waiters: the keyed scripts keep a heartbeat per waiter (qa); the plain ones a queue (q) and a heartbeat per process (pa)
        const waiters = keyed ? key('qa') : key('q');
        // (the members of h that begin with ~ are the plain semaphore's state, not sections)
        const members = async () => new Set([...(await redis.zrange(waiters, '0', '-1')), ...(await redis.zrange(key('h'), '0', '-1'))].filter((m) => !m.startsWith('~')));
        const acquisitions: Acquisition[] = [];
        /** the lease expiry (Redis ms) of each section of a killed process: its section ends there */
        const deadEnds = new Map<string, number>();
        const send = (driver: Replica, line: string) => driver.process.stdin!.write(`${line}\n`);
        for (const o of ops) {
          if (o.kind === 'acquire') {
            const weight = Math.min(o.weight, perKey);
            const a: Acquisition = { id: `a${round}-${acquisitions.length}`, driver: drivers[o.driver]!, weight, key: keyed ? `k${o.key}` : '', done: false };
            const before = await members();
            send(a.driver, keyed ? `kacquire ${name} ${permits} ${a.id} ${weight} ${perKey} ${a.key}` : `acquire ${name} ${permits} ${a.id} ${weight}`);
            // arrival order at Redis is the order of these commands: wait for this one to arrive
            await waitFor(async () => {
              const now = await members();
              a.member = [...now].find((m) => !before.has(m));
              return a.member !== undefined;
            });
            acquisitions.push(a);
          } else if ((o.kind === 'release' || o.kind === 'cancel') && acquisitions.length > 0) {
            const a = acquisitions[o.index % acquisitions.length]!;
            if (!a.done && a.driver.process.exitCode === null && a.driver.process.signalCode === null) send(a.driver, `${o.kind} ${a.id}`);
            a.done = true;
          } else if (o.kind === 'kill') {
            const victim = drivers[o.driver]!;
            // its sections, those already told to leave included: one may have entered and been
            // killed before its exit and release went out (then Redis holds it until its lease ends)
            const held = acquisitions.filter((a) => a.driver === victim);
            const scores = await Promise.all(held.map((a) => redis.zscore(key('h'), a.member!)));
            victim.process.kill('SIGKILL');
            await victim.exit;
            for (const [i, a] of held.entries()) {
              const after = await redis.zscore(key('h'), a.member!);
              // one told to leave may have had its release on the way (no longer held after the kill)
              const end = a.done ? after : (after ?? scores[i]);
              a.done = true;
              if (end !== null && end !== undefined) deadEnds.set(a.id, Number(end));
            }
            const fresh = await startDriver();
            drivers = drivers.map((d) => (d === victim ? fresh : d));
          }
          await sleep(o.gap);
        }
        // end every live section; the dead ones' leases and queued waiters expire on their own
        // (a section released while it still waited leaves only once it is in: cancel those too;
        // a cancel of a section that has ended does nothing)
        for (const a of acquisitions) if (a.driver.process.exitCode === null && a.driver.process.signalCode === null) send(a.driver, `cancel ${a.id}`);
        // nothing is left but what dead processes held or queued (a dead waiter is forgotten within
        // the 2 s heartbeat; a dead holder's permits at its lease). Expired entries are forgotten
        // lazily, by the next script: look at the live ones, on Redis's clock.
        const dead = new Set(acquisitions.filter((a) => a.driver.process.exitCode !== null || a.driver.process.signalCode !== null).map((a) => a.member!));
        const live = () =>
          redis.eval(
            "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) local out = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf') " +
              (keyed
                ? "for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. now, '+inf')) do table.insert(out, m) end "
                : "for _, m in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do local beat = redis.call('ZSCORE', KEYS[3], string.match(m, '^(.+):[^:]+$')) if beat and tonumber(beat) > now then table.insert(out, m) end end ") +
              'return out',
            3,
            key('h'),
            waiters,
            key('pa'),
          ) as Promise<string[]>;
        await waitFor(async () => (await live()).every((m) => m.startsWith('~') || dead.has(m)), 5000);
        const log = (await redis.lrange(`${name}:log`, 0, -1)).map((line) => line.split(' '));
        // a section's only possible error is LeaseLostError: its process stalled past its lease. Its
        // logged exit is then later than the moment Redis let others in, so it is left out of the
        // bound (a stall is the one case the lease rule allows, and it is reported, never silent)
        const errors = acquisitions.flatMap((a) => a.driver.lines.filter((l) => l.startsWith(`error ${a.id} `)).map((l) => [a.id, l.split(' ')[2]] as const));
        expect(errors.filter(([, kind]) => kind !== 'LeaseLostError'), JSON.stringify(errors)).toEqual([]);
        const lost = new Set(errors.map(([id]) => id));
        const weightOf = new Map(acquisitions.map((a) => [a.id, a.weight]));
        const keyOf = new Map(acquisitions.map((a) => [a.id, a.key]));
        const tokenOf = new Map<string, number>();
        // (time, exits before entries at the same ms, log order)
        const events: [time: number, order: number, index: number, delta: number, key: string][] = [];
        for (const [i, entry] of log.entries()) {
          const [kind, id] = entry as [string, string];
          const time = Number(entry[entry.length - 1]);
          if (kind === 'enter') tokenOf.set(id, Number(entry[2]));
          // a killed process's section that Redis still held ends with its lease, whatever it logged
          if (lost.has(id) || (kind === 'exit' && deadEnds.has(id))) continue;
          if (kind === 'enter') events.push([time, 1, i, weightOf.get(id)!, keyOf.get(id)!]);
          else events.push([time, 0, i, -weightOf.get(id)!, keyOf.get(id)!]);
        }
        for (const [id, end] of deadEnds) if (tokenOf.has(id) && !lost.has(id)) events.push([end, 0, -1, -weightOf.get(id)!, keyOf.get(id)!]);
        events.sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2]);
        let inside = 0;
        const insideKey = new Map<string, number>();
        for (const [, , , delta, k] of events) {
          inside += delta;
          insideKey.set(k, (insideKey.get(k) ?? 0) + delta);
          expect(inside).toBeLessThanOrEqual(permits);
          expect(insideKey.get(k)).toBeLessThanOrEqual(perKey);
        }
        // strict FIFO (within a key): of two acquisitions that both got in, the earlier arrival got the smaller token
        for (const k of new Set(acquisitions.map((a) => a.key))) {
          const granted = acquisitions.filter((a) => a.key === k && tokenOf.has(a.id));
          for (let i = 1; i < granted.length; i++) expect(tokenOf.get(granted[i]!.id)).toBeGreaterThan(tokenOf.get(granted[i - 1]!.id)!);
        }
        const granted = acquisitions.filter((a) => tokenOf.has(a.id));
        // every section that entered left (a dead one by its lease)
        for (const a of granted) expect(log.some(([kind, id]) => kind === 'exit' && id === a.id) || deadEnds.has(a.id), a.id).toBe(true);
      }),
      { numRuns: SOAK ? 100 : 15, endOnFailure: true },
    );
  }, SOAK ? 1_200_000 : 240_000);
});
