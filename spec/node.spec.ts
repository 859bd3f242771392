import { describe, it, expect, afterEach, vi } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NEVER, Observable, TimeoutError, of, throwError, take, lastValueFrom, toArray } from 'rxjs';
import { finalizeWith } from '../src/index.js';
import { fromSignal, runUntilSignal } from '../src/node/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Child {
  readonly process: ChildProcess;
  readonly lines: string[];
  waitFor(line: string): Promise<void>;
  exit: Promise<number | null>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

/** Starts the fixture service in a real Node process (tsx loads the TypeScript). */
function startService(mode: 'normal' | 'slow' | 'error' | 'ends'): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/service.ts', mode], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: string[] = [];
  const waiters: [string, () => void][] = [];
  let buffer = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      lines.push(line);
      for (const [want, resolve] of waiters) if (line === want) resolve();
    }
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    process: child,
    lines,
    exit,
    waitFor: (line) =>
      lines.includes(line)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.push([line, resolve]);
            void exit.then((code) => reject(new Error(`exited (${code}) before printing '${line}': ${lines.join(' | ')} ${stderr}`)));
          }),
  };
}

describe('runUntilSignal in a real child process', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('%s: the asynchronous cleanup finishes, then the process exits cleanly by itself', async (signal) => {
    const child = startService('normal');
    await child.waitFor('working');
    child.process.kill(signal);
    expect(await child.exit).toBe(0);
    expect(child.lines.slice(-3)).toEqual(['cleanup started (unsubscribe)', 'cleanup finished', `stopped cleanly by ${signal}`]);
  });

  it('a second SIGINT during a slow cleanup exits with code 130', async () => {
    const child = startService('slow');
    await child.waitFor('working');
    child.process.kill('SIGINT');
    await child.waitFor('cleanup started (unsubscribe)');
    child.process.kill('SIGINT');
    expect(await child.exit).toBe(130);
    expect(child.lines).not.toContain('cleanup finished');
  });

  it('a second SIGTERM during a slow cleanup exits with code 143 (128 + the signal number)', async () => {
    const child = startService('slow');
    await child.waitFor('working');
    child.process.kill('SIGTERM');
    await child.waitFor('cleanup started (unsubscribe)');
    child.process.kill('SIGTERM');
    expect(await child.exit).toBe(143);
  });

  it('after the source ended by itself, the first signal during its cleanup does not exit: the cleanup finishes', async () => {
    const child = startService('ends');
    await child.waitFor('cleanup started (complete)');
    child.process.kill('SIGINT');
    expect(await child.exit).toBe(0);
    expect(child.lines.slice(-2)).toEqual(['cleanup finished', 'ended by itself']);
  });

  it('a source that errors rejects the promise, after its cleanup, and the process reports it', async () => {
    const child = startService('error');
    expect(await child.exit).toBe(1);
    expect(child.lines.slice(-3)).toEqual(['cleanup started (error)', 'cleanup finished', 'failed: the source failed']);
  });
});

describe('runUntilSignal in this process', () => {
  it('resolves with undefined when the source completes, and removes its listeners', async () => {
    const before = process.listenerCount('SIGUSR2');
    const done = runUntilSignal(of(1), { signals: ['SIGUSR2'] });
    expect(process.listenerCount('SIGUSR2')).toBe(before + 1);
    expect(await done).toBeUndefined();
    expect(process.listenerCount('SIGUSR2')).toBe(before);
  });

  it('stops the source on the signal and resolves with its name', async () => {
    let unsubscribed = false;
    const done = runUntilSignal(new Observable<number>(() => () => (unsubscribed = true)), { signals: ['SIGUSR2'] });
    process.kill(process.pid, 'SIGUSR2');
    expect(await done).toBe('SIGUSR2');
    expect(unsubscribed).toBe(true);
  });

  it('rejects with rxjs’s TimeoutError when the cleanups outlast cleanupTimeout, and removes its listeners', async () => {
    const before = process.listenerCount('SIGUSR2');
    let release = () => undefined as void;
    const hanging = new Observable<number>(() => undefined).pipe(finalizeWith(() => new Promise<void>((resolve) => (release = resolve))));
    const done = runUntilSignal(hanging, { signals: ['SIGUSR2'], cleanupTimeout: 30 });
    process.kill(process.pid, 'SIGUSR2');
    const error = await done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toMatch(/cleanups? still pending after 30 ms/);
    expect(process.listenerCount('SIGUSR2')).toBe(before);
    release(); // the shared tracker must not keep this cleanup for the tests that follow
  });

  it('rejects with the source’s error', async () => {
    await expect(runUntilSignal(throwError(() => new Error('bad')), { signals: ['SIGUSR2'] })).rejects.toThrow('bad');
  });

  it.each([
    [() => runUntilSignal(42 as never), TypeError, /^runUntilSignal: source must be an ObservableInput/],
    [() => runUntilSignal(NEVER, { signals: [] }), TypeError, /^runUntilSignal: options\.signals must be a signal name/],
    [() => runUntilSignal(NEVER, { signals: ['INT' as never] }), TypeError, /options\.signals/],
    [() => runUntilSignal(NEVER, { cleanupTimeout: -1 }), RangeError, /^runUntilSignal: options\.cleanupTimeout .*got -1/],
    [() => fromSignal('nope' as never), TypeError, /^fromSignal: signals must be a signal name/],
    [() => fromSignal(['SIGINT', 'SIGKILL']), TypeError, /^fromSignal: signals must be signals a process can listen to.*got 'SIGKILL'/],
    [() => fromSignal('SIGSTOP'), TypeError, /^fromSignal: signals must be signals a process can listen to.*got 'SIGSTOP'/],
    [() => fromSignal('SIGNOPE' as never), TypeError, /^fromSignal: signals must be signal names this platform knows, got 'SIGNOPE'/],
    [() => runUntilSignal(NEVER, { signals: ['SIGKILL'] }), TypeError, /^runUntilSignal: options\.signals must be signals a process can listen to/],
  ])('%#: bad arguments throw synchronously', (call, ErrorClass, message) => {
    expect(call).toThrow(ErrorClass);
    expect(call).toThrow(message);
  });
});

describe('fromSignal', () => {
  it('adds its listeners on subscribe, emits each real signal, removes them on unsubscribe', async () => {
    const before = [process.listenerCount('SIGUSR2'), process.listenerCount('SIGHUP')];
    const received = lastValueFrom(fromSignal(['SIGUSR2', 'SIGHUP']).pipe(take(2), toArray()));
    expect([process.listenerCount('SIGUSR2'), process.listenerCount('SIGHUP')]).toEqual([before[0]! + 1, before[1]! + 1]);
    process.kill(process.pid, 'SIGUSR2');
    await new Promise((r) => setTimeout(r, 20));
    process.kill(process.pid, 'SIGHUP');
    expect(await received).toEqual(['SIGUSR2', 'SIGHUP']);
    expect([process.listenerCount('SIGUSR2'), process.listenerCount('SIGHUP')]).toEqual(before);
  });

  it('a signal that cannot be listened to installs nothing; a listener that fails to install leaves none behind', () => {
    const before = process.listenerCount('SIGINT');
    expect(() => fromSignal(['SIGINT', 'SIGKILL'])).toThrow(TypeError);
    expect(process.listenerCount('SIGINT')).toBe(before);
    // the platform refuses the second listener at subscribe time: the first one is removed again
    const on = process.on.bind(process);
    const spy = vi.spyOn(process, 'on').mockImplementation(((event: string, listener: (...args: unknown[]) => void) => {
      if (event === 'SIGHUP') throw new Error('refused');
      return on(event as 'SIGINT', listener);
    }) as typeof process.on);
    const errors: unknown[] = [];
    fromSignal(['SIGINT', 'SIGHUP']).subscribe({ error: (e: unknown) => errors.push(e) });
    spy.mockRestore();
    expect((errors[0] as Error).message).toBe('refused');
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});
