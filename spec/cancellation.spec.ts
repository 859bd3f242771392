import { describe, it, expect, afterEach, vi } from 'vitest';
import { createServer, type Server } from 'node:http';
import { build } from 'esbuild';
import { NEVER, Observable, Subject, TimeoutError, config, of, throwError } from 'rxjs';
import {
  CleanupTracker,
  Lock,
  cleanups,
  finalizeWith,
  fromAbortable,
  onCancel,
  raceFirst,
  semaphoreMap,
  takeUntilAborted,
  timeoutWith,
  type FinalizeReason,
} from '../src/index.js';
import { newTestScheduler } from './helpers.js';

afterEach(() => {
  config.onUnhandledError = null;
});

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe('finalizeWith', () => {
  const reasons = (run: (op: ReturnType<typeof finalizeWith>) => void) => {
    const seen: [FinalizeReason, unknown?][] = [];
    run(finalizeWith((reason, ...error) => void seen.push([reason, ...error])));
    return seen;
  };

  it('reports complete, error (with the error) and unsubscribe, exactly once each', () => {
    expect(reasons((op) => of(1).pipe(op).subscribe())).toEqual([['complete']]);
    expect(reasons((op) => throwError(() => 'x').pipe(op).subscribe({ error: () => undefined }))).toEqual([['error', 'x']]);
    expect(
      reasons((op) => {
        const s = NEVER.pipe(op).subscribe();
        s.unsubscribe();
        s.unsubscribe();
      }),
    ).toEqual([['unsubscribe']]);
  });

  it('runs after the source’s teardown and before the completion is forwarded', () => {
    const log: string[] = [];
    const source = new Subject<number>();
    new Observable<number>((s) => {
      const sub = source.subscribe(s);
      return () => (sub.unsubscribe(), log.push('source teardown'));
    })
      .pipe(finalizeWith((reason) => void log.push(`cleanup ${reason}`)))
      .subscribe({ complete: () => log.push('complete seen') });
    source.complete();
    expect(log).toEqual(['source teardown', 'cleanup complete', 'complete seen']);
  });

  it('reports unsubscribe through this package’s operators: timeoutWith, a raceFirst loser, a section of an unsubscribed stream', () => {
    const scheduler = newTestScheduler();
    const seen: string[] = [];
    const tag = (name: string) => finalizeWith<unknown>((reason) => void seen.push(`${name}:${reason}`));
    scheduler.run(({ cold, flush }) => {
      cold('-----a|').pipe(tag('cut by timeout'), timeoutWith(2, of('f'))).subscribe();
      raceFirst([cold('----a|').pipe(tag('loser')), cold('-b|').pipe(tag('winner'))]).subscribe();
      const sub = cold('ab|').pipe(semaphoreMap(new Lock(), () => cold('---x|').pipe(tag('section')))).subscribe();
      scheduler.schedule(() => sub.unsubscribe(), 2);
      flush();
    });
    expect(seen.sort()).toEqual(['cut by timeout:unsubscribe', 'loser:unsubscribe', 'section:unsubscribe', 'winner:complete']);
  });

  it('tracks an asynchronous cleanup until it settles', async () => {
    const tracker = new CleanupTracker();
    let release!: () => void;
    const sub = NEVER.pipe(finalizeWith(() => new Promise<void>((r) => (release = r)), { tracker })).subscribe();
    expect(tracker.pending).toBe(0);
    sub.unsubscribe();
    expect(tracker.pending).toBe(1);
    let settled = false;
    const waiting = tracker.settled().then(() => (settled = true));
    await tick();
    expect(settled).toBe(false);
    release();
    await waiting;
    expect(tracker.pending).toBe(0);
  });

  it('uses the default `cleanups` tracker', async () => {
    const sub = NEVER.pipe(finalizeWith(() => tick(5))).subscribe();
    sub.unsubscribe();
    expect(cleanups.pending).toBe(1);
    await cleanups.settled();
    expect(cleanups.pending).toBe(0);
  });

  it('a cleanup that throws or rejects goes to config.onUnhandledError, and the others still run', async () => {
    const reported: unknown[] = [];
    config.onUnhandledError = (e) => reported.push(e);
    const tracker = new CleanupTracker();
    let third = false;
    const s = NEVER.pipe(
      finalizeWith(() => {
        throw 'sync';
      }),
      finalizeWith(() => Promise.reject('async'), { tracker }),
      finalizeWith(async () => void (third = true), { tracker }),
    ).subscribe();
    s.unsubscribe();
    await tracker.settled();
    await tick(5);
    expect(third).toBe(true);
    expect(reported.sort()).toEqual(['async', 'sync']);
  });

  it('settled() also waits for cleanups tracked while it waits', async () => {
    const tracker = new CleanupTracker();
    let releaseFirst!: () => void;
    let releaseSecond!: () => void;
    tracker.track(new Promise<void>((r) => (releaseFirst = r)));
    let settled = false;
    const waiting = tracker.settled().then(() => (settled = true));
    tracker.track(new Promise<void>((r) => (releaseSecond = r)));
    releaseFirst();
    await tick();
    expect([settled, tracker.pending]).toEqual([false, 1]);
    releaseSecond();
    await waiting;
    expect(tracker.pending).toBe(0);
  });

  it('settled(timeout) rejects with a TimeoutError naming how many are pending', async () => {
    const tracker = new CleanupTracker();
    for (let i = 0; i < 2; i++) NEVER.pipe(finalizeWith(() => new Promise(() => undefined), { tracker })).subscribe().unsubscribe();
    const error = await tracker.settled(20).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toBe('2 cleanups still pending after 20 ms');
  });

  it('bad arguments', () => {
    expect(() => finalizeWith(1 as never)).toThrow(/^finalizeWith: callback must be a function, got 1$/);
    expect(() => finalizeWith(() => undefined, { tracker: {} as never })).toThrow(/^finalizeWith: options\.tracker must be a CleanupTracker/);
    expect(() => onCancel('x' as never)).toThrow(/^onCancel: callback must be a function/);
    expect(() => new CleanupTracker().settled(-1)).toThrow(/^CleanupTracker\.settled: timeout .*got -1/);
    expect(() => new CleanupTracker().track(5 as never)).toThrow(/^CleanupTracker\.track: cleanup must be a promise, got 5/);
    expect(() => fromAbortable(null as never)).toThrow(/^fromAbortable: factory must be a function/);
    expect(() => takeUntilAborted({} as never)).toThrow(/^takeUntilAborted: signal must be an AbortSignal/);
  });
});

describe('onCancel', () => {
  it('runs only when unsubscribed before the source ended', () => {
    const calls: string[] = [];
    of(1).pipe(onCancel(() => void calls.push('complete'))).subscribe();
    throwError(() => 'e').pipe(onCancel(() => void calls.push('error'))).subscribe({ error: () => undefined });
    NEVER.pipe(onCancel(() => void calls.push('cancelled'))).subscribe().unsubscribe();
    expect(calls).toEqual(['cancelled']);
  });
});

describe('fromAbortable', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  it('unsubscribing a real fetch aborts it: the local server sees the connection close', async () => {
    let requestSeen!: () => void;
    let closedSeen!: () => void;
    const seen = new Promise<void>((r) => (requestSeen = r));
    const closed = new Promise<void>((r) => (closedSeen = r));
    server = createServer((_req, res) => {
      requestSeen();
      res.on('close', () => closedSeen());
      // never answers
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    let signal: AbortSignal | undefined;
    const sub = fromAbortable((s) => ((signal = s), fetch(`http://127.0.0.1:${port}/slow`, { signal: s }))).subscribe({
      error: (e) => {
        throw e;
      },
    });
    await seen;
    expect(signal!.aborted).toBe(false);
    sub.unsubscribe();
    expect(signal!.aborted).toBe(true);
    await closed;
    server.closeAllConnections();
  });

  it('a result that settled is not aborted by the unsubscribe that follows', async () => {
    let signal: AbortSignal | undefined;
    const values: number[] = [];
    const sub = fromAbortable((s) => ((signal = s), Promise.resolve(7))).subscribe((v) => values.push(v));
    await tick();
    sub.unsubscribe();
    expect(values).toEqual([7]);
    expect(signal!.aborted).toBe(false);
  });

  it('a new signal per subscription; a factory that throws errors the subscriber', () => {
    const signals: AbortSignal[] = [];
    const o = fromAbortable((s) => ((signals.push(s), NEVER)));
    o.subscribe().unsubscribe();
    o.subscribe();
    expect(signals.map((s) => s.aborted)).toEqual([true, false]);
    let error: unknown;
    fromAbortable(() => {
      throw 'no';
    }).subscribe({ error: (e) => (error = e) });
    expect(error).toBe('no');
  });
});

describe('takeUntilAborted', () => {
  const spySignal = (controller: AbortController) => {
    const add = vi.spyOn(controller.signal, 'addEventListener');
    const remove = vi.spyOn(controller.signal, 'removeEventListener');
    return () => add.mock.calls.length - remove.mock.calls.length;
  };

  it('completes the output and unsubscribes the source when the signal aborts', () => {
    const controller = new AbortController();
    const live = spySignal(controller);
    const log: string[] = [];
    const source = new Subject<number>();
    new Observable<number>((s) => {
      const sub = source.subscribe(s);
      return () => (sub.unsubscribe(), log.push('source unsubscribed'));
    })
      .pipe(takeUntilAborted(controller.signal))
      .subscribe({ next: (v) => log.push(`${v}`), complete: () => log.push('complete') });
    source.next(1);
    controller.abort();
    source.next(2);
    expect(log).toEqual(['1', 'source unsubscribed', 'complete']);
    expect(live()).toBe(0);
  });

  it('completes at once, without subscribing, when already aborted', () => {
    let subscribed = false;
    let complete = false;
    new Observable(() => void (subscribed = true)).pipe(takeUntilAborted(AbortSignal.abort())).subscribe({ complete: () => (complete = true) });
    expect([subscribed, complete]).toEqual([false, true]);
  });

  it.each(['complete', 'error', 'unsubscribe'])('removes its listener when the stream ends by %s', (exit) => {
    const controller = new AbortController();
    const live = spySignal(controller);
    const source = new Subject<number>();
    const sub = source.pipe(takeUntilAborted(controller.signal)).subscribe({ error: () => undefined });
    expect(live()).toBe(1);
    if (exit === 'complete') source.complete();
    else if (exit === 'error') source.error('x');
    else sub.unsubscribe();
    expect(live()).toBe(0);
  });
});

describe('the main entry stays free of Node built-ins', () => {
  it('a browser bundle of rxjs-concurrency pulls in no `process` and no `node:` module', async () => {
    const result = await build({
      entryPoints: [new URL('../src/index.ts', import.meta.url).pathname],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      external: ['rxjs'],
      logLevel: 'silent',
    });
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/["'`]node:/);
    expect(code).not.toMatch(/\bprocess\./);
    expect(code).not.toMatch(/require\(/);
  });

  it('the Node entry is kept apart and does use process (so the check above can fail)', async () => {
    const result = await build({
      entryPoints: [new URL('../src/node/index.ts', import.meta.url).pathname],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      external: ['rxjs', 'rxjs-concurrency'],
      logLevel: 'silent',
    });
    expect(result.outputFiles[0]!.text).toMatch(/["'`]node:process/);
  });
});

