import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

const SHA = new Map<string, string>();

/** Runs a Lua script by its SHA1, loading it once per server (EVALSHA, then EVAL on NOSCRIPT). */
export async function runScript<R>(client: Redis, script: string, key: string, args: readonly (string | number)[]): Promise<R> {
  let sha = SHA.get(script);
  if (!sha) SHA.set(script, (sha = createHash('sha1').update(script).digest('hex')));
  try {
    return (await client.evalsha(sha, 1, key, ...args)) as R;
  } catch (error) {
    if (!String((error as Error)?.message).includes('NOSCRIPT')) throw error;
    return (await client.eval(script, 1, key, ...args)) as R;
  }
}

/**
 * Where a process hears that Redis granted one of its waiting sections: one `client.duplicate()`
 * subscribed to this process's channel, made when a section first waits and closed when none waits
 * (so a process exits by itself once it quits its own client). A message is `<id> <value>`.
 */
export class Grants {
  private readonly waiting = new Map<string, (value: number) => void>();
  private listener: Redis | undefined;
  private ready: Promise<unknown> | undefined;

  constructor(
    private readonly client: Redis,
    readonly channel: string,
  ) {}

  get size(): number {
    return this.waiting.size;
  }

  ids(): string[] {
    return [...this.waiting.keys()];
  }

  /** Subscribed, so that no grant published from now on is missed. */
  listen(): Promise<unknown> {
    if (!this.listener) {
      const listener = this.client.duplicate();
      listener.on('message', (_channel: string, message: string) => {
        const [id, value] = message.split(' ');
        this.take(id!, Number(value));
      });
      // a listener that loses its connection reconnects by itself; a missed grant is found by the heartbeat
      listener.on('error', () => undefined);
      this.listener = listener;
      this.ready = listener.subscribe(this.channel);
    }
    return this.ready!;
  }

  wait(id: string, granted: (value: number) => void): void {
    this.waiting.set(id, granted);
  }

  /** The grant of `id` (from a message, or found by the heartbeat): delivered once. */
  take(id: string, value: number): void {
    const granted = this.waiting.get(id);
    if (!granted) return;
    this.waiting.delete(id);
    granted(value);
  }

  forget(id: string): void {
    this.waiting.delete(id);
  }

  /** Closes the listener when nothing waits and no request that may wait is on its way. */
  closeIfIdle(pending: number): void {
    if (this.waiting.size > 0 || pending > 0 || !this.listener) return;
    const listener = this.listener;
    this.listener = this.ready = undefined;
    listener.quit().catch(() => listener.disconnect());
  }
}
