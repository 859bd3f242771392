// The failover run behind spec/failover.spec.ts and bench/failover.ts: processes share one
// RedisSemaphore through Sentinel while the master is SIGKILLed and the replica promoted. From the
// processes' event lines it counts what the docs promise: how many sections held at once beyond the
// permits, which sections errored and how, whether a token repeated or went backwards across the
// failover, how long until a section entered again, and whether every process ended by itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cli, type SentinelSet } from './redis-server.js';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface FailoverOptions {
  readonly permits?: number;
  readonly lease?: number;
  readonly replicas?: number;
  readonly processes?: number;
  readonly loops?: number;
  /** Ms a section holds: a number, or a range `low-high` to pick from at random. */
  readonly hold?: number | string;
  /** Ms the run goes on before the kill, and after the promotion. */
  readonly before?: number;
  readonly after?: number;
  /**
   * The replica lags: it is cut off (`SentinelSet.lag`) until a section enters, granted by the master
   * alone, and the master is killed then; tried again a second later if none entered within 800 ms
   * (5 tries).
   */
  readonly lag?: boolean;
}

export interface FailoverResult {
  readonly sections: number;
  /** The most sections inside at once, over the permits (0: the limit held). */
  readonly over: number;
  /** Sections that errored, by the error's name (a LeaseLostError by the phase it ended: waiting or holding). */
  readonly errors: Record<string, number>;
  /** Tokens granted twice, and tokens the new master granted that are not above every token entered before the kill. */
  readonly repeatedTokens: number;
  readonly backwardTokens: number;
  /** Ms from the kill to the promotion, and to the first section that entered after the promotion. */
  readonly promotion: number;
  readonly serving: number;
  /** Sections that entered before the kill on a grant the promoted replica never had. */
  readonly enteredUnreplicated: number;
  /** Sections that entered and never exited, and processes that did not end by themselves. */
  readonly hung: number;
  readonly stuck: number;
  /** Hand-off: ms from one section's exit to the next entry while the semaphore was full (p50, p99), before the kill. */
  readonly handoff: readonly [number, number];
}

interface Event {
  e: 'enter' | 'exit' | 'error' | 'done';
  id?: string;
  token?: number;
  kind?: string;
  message?: string;
  at: number;
}

const quantile = (sorted: readonly number[], q: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);

/** One failover of `set` under load. */
export async function runFailover(set: SentinelSet, name: string, options: FailoverOptions = {}): Promise<FailoverResult> {
  const { permits = 2, lease = 10_000, replicas = 0, processes = 3, loops = 2, hold = 25, before = 1500, after = 4000, lag = false } = options;
  const events: Event[] = [];
  const children: ChildProcess[] = [];
  const exited: Promise<boolean>[] = [];
  for (let i = 0; i < processes; i++) {
    const child = spawn(process.execPath, ['--import', 'tsx', `${root}spec/fixtures/failover-worker.ts`, set.sentinels.join(','), name, String(permits), String(lease), String(replicas), String(loops), String(hold)], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    children.push(child);
    let rest = '';
    child.stdout!.on('data', (d: Buffer) => {
      const lines = (rest + d).split('\n');
      rest = lines.pop()!;
      for (const line of lines) if (line.startsWith('{')) events.push(JSON.parse(line) as Event);
    });
    exited.push(new Promise((resolve) => child.on('exit', (code) => resolve(code === 0))));
  }
  try {
    const began = Date.now();
    while (events.filter((e) => e.e === 'enter').length < processes * loops && Date.now() - began < 30_000) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, before));
    const entries = () => events.filter((e) => e.e === 'enter').length;
    // with `replicas`, no section can enter while the replica is cut off: one window only
    if (lag)
      for (let attempt = 1; attempt <= (replicas > 0 ? 1 : 5); attempt++) {
        await set.lag(true);
        // counted once the link is cut: what the master wrote before still reaches the replica
        const count = entries();
        const end = Date.now() + 800;
        // the first entries heard after the cut may be of grants made before it (their messages and
        // the workers' output were on their way): wait for a few, so that the last ran on a grant
        // the master alone has
        while (Date.now() < end && entries() < count + 3) await new Promise((r) => setTimeout(r, 2));
        // sections entered while the replica was stopped: the last ones' grants exist on the master alone
        if (entries() >= count + 3 || replicas > 0) break;
        await set.lag(false);
        await new Promise((r) => setTimeout(r, 1000));
      }
    const killedAt = performance.timeOrigin + performance.now();
    // the last token the promoted replica had: a section that entered before the kill with a higher
    // one ran on a grant the failover lost
    let fence = Infinity;
    // read before its promotion: once promoted, the clients' first renewals draw tokens above it
    const promotion = await set.failover(undefined, async (port) => (fence = Number(await cli(port, 'zscore', `rxc:{${name}}:h`, '~fence'))));
    await new Promise((r) => setTimeout(r, after));
    for (const child of children) child.stdin!.write('stop\n');
    const ended = await Promise.all(exited.map((p) => Promise.race([p, new Promise<boolean>((r) => setTimeout(() => r(false), 20_000))])));
    return analyse(events, permits, killedAt, promotion, ended.filter((ok) => !ok).length, fence);
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  }
}

function analyse(events: Event[], permits: number, killedAt: number, promotion: number, stuck: number, fence: number): FailoverResult {
  const entered = new Map<string, Event>();
  const ends = new Map<string, number>();
  const errors: Record<string, number> = {};
  for (const e of events) {
    if (e.e === 'enter') entered.set(e.id!, e);
    if (e.e === 'exit' && !ends.has(e.id!)) ends.set(e.id!, e.at);
    if (e.e === 'error') {
      const kind = e.kind === 'LeaseLostError' ? (/waiting section/.test(e.message!) ? 'LeaseLostError (waiting)' : 'LeaseLostError (holding)') : e.kind!;
      errors[kind] = (errors[kind] ?? 0) + 1;
    }
  }
  // sections inside at once: +1 at each entry, −1 at each exit, in time order (an exit first on a tie)
  const steps: [number, number][] = [];
  for (const [id, e] of entered) {
    steps.push([e.at, 1]);
    if (ends.has(id)) steps.push([ends.get(id)!, -1]);
  }
  steps.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let inside = 0;
  let most = 0;
  for (const [, step] of steps) {
    inside += step;
    most = Math.max(most, inside);
  }
  const tokens = [...entered.values()].map((e) => e.token!);
  const beforeKill = [...entered.values()].filter((e) => e.at < killedAt).map((e) => e.token!);
  const afterKill = [...entered.values()].filter((e) => e.at >= killedAt);
  const highest = Math.max(...beforeKill);
  const afterPromotion = afterKill.filter((e) => e.at >= killedAt + promotion);
  // the hand-off before the kill (the semaphore is full all along): each entry after the exit before it
  const gaps: number[] = [];
  const exits = [...ends.values()].filter((at) => at < killedAt).sort((a, b) => a - b);
  let j = 0;
  for (const at of [...entered.values()].filter((e) => e.at < killedAt).map((e) => e.at).sort((a, b) => a - b)) {
    while (j < exits.length && exits[j]! <= at) j++;
    if (j > 0) gaps.push(at - exits[j - 1]!);
  }
  gaps.sort((a, b) => a - b);
  return {
    sections: entered.size,
    over: Math.max(0, most - permits),
    errors,
    repeatedTokens: tokens.length - new Set(tokens).size,
    // granted by the new master (above the fence it had at its promotion) yet not above every token
    // before the kill; a grant the old master made and replicated may start late with its own lower token
    backwardTokens: afterKill.filter((e) => e.token! > fence && e.token! <= highest).length,
    promotion,
    serving: afterPromotion.length === 0 ? Infinity : Math.min(...afterPromotion.map((e) => e.at)) - killedAt,
    enteredUnreplicated: [...entered.values()].filter((e) => e.at < killedAt && e.token! > fence).length,
    hung: [...entered.keys()].filter((id) => !ends.has(id)).length,
    stuck,
    handoff: [quantile(gaps, 0.5), quantile(gaps, 0.99)],
  };
}
