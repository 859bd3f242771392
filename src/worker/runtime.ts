/* eslint-disable */
/**
 * The source text of an inline-function worker. Tools that keep function names (tsx, vitest,
 * esbuild's keepNames) wrap functions in a `__name(fn, 'name')` helper that does not exist inside a
 * worker started from source text; the prelude defines a harmless one, for the runtime and for the
 * inline functions it evaluates.
 */
export function inlineWorkerSource(endpointExpression: string): string {
  return `globalThis.__name = globalThis.__name || ((fn) => fn);\n(${installRuntime.toString()})(${endpointExpression}, null);`;
}

/**
 * What runs inside a worker: receives tasks, runs handlers, streams their results back, and stops
 * them on cancel. It is self-contained — no imports, nothing from outside its body — because the
 * shared pool of inline functions starts workers from its source text (`installRuntime.toString()`).
 *
 * `endpoint` is Node's `parentPort` or a Web Worker's `self`; `handlers` is null in an inline-function
 * worker, where each `run` message carries the function's source.
 */
export function installRuntime(
  endpoint: unknown,
  handlers: Record<string, (...args: never[]) => unknown> | null,
  receive?: (() => { message: unknown } | undefined) | null,
): void {
  type Msg = { t: string; id: number; name?: string; fn?: string; args?: unknown[]; ahead?: true; flags?: SharedArrayBuffer; bell?: SharedArrayBuffer };
  const port = endpoint as {
    postMessage(message: unknown, transfer?: unknown[]): void;
    on?(event: 'message', listener: (data: Msg) => void): void;
    addEventListener?(event: 'message', listener: (event: { data: Msg }) => void): void;
  };
  const BRAND = '__rxjsConcurrencyTransfer';
  const running = new Map<number, () => void>();
  const compiled = new Map<string, (...args: unknown[]) => unknown>();
  let flags: Int32Array | undefined;
  /**
   * A thread pool's bell: `[0]` counts the `run` messages it posted here (an idle worker waits on
   * it); `[1]` is the claim of the task sent ahead (its id; the pool sets it to −id when it took
   * that task back for another worker, and the worker to 0 when it starts it).
   */
  let bell: Int32Array | undefined;
  /** Tasks sent ahead that arrived while another task ran: they start, in order, once it ends. */
  const waiting: Msg[] = [];

  const serialize = (error: unknown) => {
    if (error !== null && typeof error === 'object' && 'message' in error) {
      const e = error as Error;
      return { kind: 'error', name: String(e.name ?? 'Error'), message: String(e.message), stack: typeof e.stack === 'string' ? e.stack : undefined };
    }
    return { kind: 'value', value: error };
  };

  /** A thrown value as a message can show it: `{ code: 42, retry: [function] }`. */
  const describe = (serialized: unknown): string => {
    const value = (serialized as { value?: unknown } | undefined)?.value;
    if (value === null || typeof value !== 'object') return typeof value === 'function' ? '[function]' : String(value);
    const fields = Object.keys(value).slice(0, 8).map((key) => {
      const field = (value as Record<string, unknown>)[key];
      const shown = typeof field === 'function' ? '[function]' : typeof field === 'string' ? JSON.stringify(field) : field !== null && typeof field === 'object' ? '[object]' : String(field);
      return `${key}: ${shown}`;
    });
    return `{ ${fields.join(', ')} }`;
  };

  /** Posts one value (`t` 'next', or 'value' for a last one); returns the error when it cannot be cloned. */
  const post = (id: number, value: unknown, t = 'next'): unknown => {
    let transfer: unknown[] = [];
    if (value !== null && typeof value === 'object' && (value as Record<string, unknown>)[BRAND] === true) {
      const marked = value as { value: unknown; transferables: unknown[] };
      transfer = marked.transferables;
      value = marked.value;
    }
    try {
      // a transfer list only when there is something to move: in Node even an empty one makes a
      // postMessage several times slower (a round trip of ~70 µs instead of ~10)
      if (transfer.length > 0) port.postMessage({ t, id, value }, transfer);
      else port.postMessage({ t, id, value });
      return undefined;
    } catch (error) {
      return error ?? new Error('postMessage failed');
    }
  };

  /** Posts a task's last message; a thrown value that cannot be cloned errors the task, not the worker. */
  const postEnd = (message: { t: string; id: number; error?: unknown }) => {
    try {
      port.postMessage(message);
    } catch {
      // a thrown value that cannot be cloned (`throw { retry() {} }`)
      port.postMessage({ t: 'error', id: message.id, error: serialize(new Error(`fromWorker: the task threw a value that cannot be sent from the worker: ${describe(message.error)}`)) });
    }
  };

  /** A task's `ctx`. Its AbortController is made only if the handler looks at `signal`: most never do. */
  class Context {
    controller: AbortController | undefined = undefined;
    aborted = false;
    constructor(readonly id: number) {}
    get signal(): AbortSignal {
      this.controller ??= new AbortController();
      if (this.aborted) this.controller.abort();
      return this.controller.signal;
    }
    /** The cancel flag: a thread pool's worker has one slot; a queue worker (rxjs-concurrency/bullmq) one per running id. */
    isCancelled(): boolean {
      return this.aborted || (flags !== undefined && Atomics.load(flags, this.id % flags.length) === this.id);
    }
    throwIfCancelled(): void {
      if (this.isCancelled()) {
        const error = new Error('The task was cancelled');
        error.name = 'AbortError';
        throw error;
      }
    }
  }

  const run = (id: number, name: string | undefined, fn: string | undefined, args: unknown[]) => {
    const ctx = new Context(id);
    let result: unknown;
    try {
      let handler: ((...args: unknown[]) => unknown) | undefined;
      if (fn !== undefined) {
        handler = compiled.get(fn);
        if (!handler) {
          handler = (0, eval)(`(${fn})`) as (...args: unknown[]) => unknown;
          compiled.set(fn, handler);
        }
      } else if (handlers && name !== undefined && Object.prototype.hasOwnProperty.call(handlers, name) && typeof handlers[name] === 'function') {
        handler = handlers[name] as (...args: unknown[]) => unknown;
      } else {
        const names = handlers ? Object.keys(handlers).map((n) => `'${n}'`).join(', ') : '';
        throw new TypeError(`fromWorker: unknown task '${String(name)}'; this worker's tasks are ${names || '(none)'}`);
      }
      result = handler(...args, ctx);
    } catch (error) {
      return postEnd({ t: 'error', id, error: serialize(error) });
    }
    const r = result as Record<string | symbol, unknown> | null;
    // the common case first: a plain value, the task's only message (no state kept for it)
    if (r === null || (typeof r !== 'object' && typeof r !== 'function') || (typeof r.then !== 'function' && typeof r.subscribe !== 'function' && typeof r[Symbol.asyncIterator] !== 'function' && (typeof r.next !== 'function' || typeof r[Symbol.iterator] !== 'function'))) {
      const error = post(id, result, 'value');
      if (error !== undefined) postEnd({ t: 'error', id, error: serialize(error) });
      return;
    }

    // a result that goes on (promise, iterator, Observable): cancellable from now on
    let finished = false;
    let stop: () => void = () => undefined;
    const end = (message: { t: string; id: number; error?: unknown }) => {
      if (finished) return;
      finished = true;
      running.delete(id);
      postEnd(message);
      startWaiting();
    };
    const fail = (error: unknown) => end({ t: 'error', id, error: serialize(error) });
    // a value that cannot be cloned errors this task, not the worker
    const sendNext = (_id: number, value: unknown): boolean => {
      const error = post(id, value);
      if (error === undefined) return true;
      fail(error);
      return false;
    };
    // a single result travels as one message: its value and the completion together
    const sendLast = (value: unknown) => {
      if (finished) return;
      const error = post(id, value, 'value');
      if (error !== undefined) return fail(error);
      finished = true;
      running.delete(id);
      startWaiting();
    };
    running.set(id, () => {
      if (ctx.aborted) return;
      ctx.aborted = true;
      ctx.controller?.abort();
      stop();
    });

    if (r !== null && typeof r === 'object' && typeof r.subscribe === 'function' && typeof r.then !== 'function') {
      let subscription: { unsubscribe(): void } | undefined;
      stop = () => {
        subscription?.unsubscribe();
        end({ t: 'complete', id });
      };
      subscription = (r.subscribe as (o: object) => { unsubscribe(): void })({
        next: (value: unknown) => finished || sendNext(id, value) || subscription?.unsubscribe(),
        error: fail,
        complete: () => end({ t: 'complete', id }),
      });
      if (finished) subscription.unsubscribe();
    } else if (r !== null && typeof r === 'object' && typeof r[Symbol.asyncIterator] === 'function') {
      const iterator = (r[Symbol.asyncIterator] as () => AsyncIterator<unknown>)();
      stop = () => {
        void iterator.return?.();
        end({ t: 'complete', id });
      };
      void (async () => {
        try {
          for (;;) {
            const step = await iterator.next();
            if (finished) return;
            if (step.done) break;
            if (!sendNext(id, step.value)) return void iterator.return?.();
          }
          end({ t: 'complete', id });
        } catch (error) {
          fail(error);
        }
      })();
    } else if (r !== null && typeof r === 'object' && typeof r.next === 'function' && typeof r[Symbol.iterator] === 'function') {
      const iterator = r as unknown as Iterator<unknown>;
      // a synchronous iterator's values go out in batches ('nexts'): one message per value costs
      // more than the values themselves. A batch leaves at BATCH values or a millisecond after its
      // first, so a slow iterator's values are never held back longer than that.
      let batch: unknown[] = [];
      let since = 0;
      const flush = (): boolean => {
        if (batch.length === 0) return true;
        const values = batch;
        batch = [];
        if (values.length === 1) return sendNext(id, values[0]);
        try {
          port.postMessage({ t: 'nexts', id, values });
          return true;
        } catch {
          // a value that cannot be cloned: send them one by one, so the ones before it arrive
          for (const value of values) if (!sendNext(id, value)) return false;
          return true;
        }
      };
      try {
        for (;;) {
          if (ctx.isCancelled()) {
            iterator.return?.();
            break;
          }
          const step = iterator.next();
          if (step.done) break;
          const value = step.value;
          if (value !== null && typeof value === 'object' && (value as Record<string, unknown>)[BRAND] === true) {
            // a value to transfer travels alone, with its transfer list
            if (!flush() || !sendNext(id, value)) return void iterator.return?.();
            continue;
          }
          if (batch.length === 0) since = Date.now();
          batch.push(value);
          if ((batch.length >= 256 || Date.now() - since >= 1) && !flush()) return void iterator.return?.();
        }
        if (!flush()) return;
        end({ t: 'complete', id });
      } catch (error) {
        if (flush()) fail(error);
      }
    } else if (r !== null && (typeof r === 'object' || typeof r === 'function') && typeof r.then === 'function') {
      (r as unknown as PromiseLike<unknown>).then(sendLast, fail);
    } else {
      sendLast(result);
    }
  };

  /**
   * A task sent ahead (while this worker still ran one) starts only if the pool has not taken it
   * back for a worker that came free first: whoever of the two swaps its claim first has it.
   */
  const start = (message: Msg) => {
    if (message.ahead && bell && Atomics.compareExchange(bell, 1, message.id, 0) === -message.id) {
      port.postMessage({ t: 'skipped', id: message.id });
      return;
    }
    run(message.id, message.name, message.fn, message.args ?? []);
  };
  function startWaiting(): void {
    while (running.size === 0 && waiting.length > 0) start(waiting.shift()!);
  }

  const handle = (message: Msg) => {
    if (message.t === 'init') {
      flags = message.flags ? new Int32Array(message.flags) : undefined;
      bell = message.bell ? new Int32Array(message.bell) : undefined;
    }
    else if (message.t === 'cancel') running.get(message.id)?.();
    else if (message.t === 'stop') {
      waiting.length = 0;
      for (const cancel of [...running.values()]) cancel();
    } else if (message.t === 'run') {
      // one task at a time: one sent ahead waits for the running one (an async task) to end
      if (message.ahead && (running.size > 0 || waiting.length > 0)) waiting.push(message);
      else start(message);
    }
  };
  // Node: after a task that ended at once, the next message is read here, not through the event
  // loop (a turn of it and the message event cost more than a tiny task). The worker looks for it
  // for a few µs, spinning; then, with the pool's bell, it sleeps in Atomics.wait until the pool
  // posts a `run` (as piscina's workers do), for a few ms at most, and goes back to the event loop,
  // where its own timers and other messages wait. A sleeping thread costs a wake (~60 µs on a VM),
  // a spinning one takes a core from the main thread: 10 µs of spin keeps a sequential round trip
  // as fast as spinning alone, and 20,000 tiny tasks on 2 workers ~25 % faster (bench, 2 cores).
  // Without a bell (a queue worker of rxjs-concurrency/bullmq) it spins for 50 µs, then goes back.
  const WAIT_MS = 5;
  const onMessage = (message: Msg) => {
    handle(message);
    if (!receive || message.t !== 'run' || running.size > 0) return;
    const spin = bell ? 0.01 : 0.05;
    let until = performance.now() + spin;
    for (;;) {
      // read before looking: a `run` posted after the look rings past this count, and wakes the wait
      const rung = bell ? Atomics.load(bell, 0) : 0;
      let next: { message: unknown } | undefined;
      try {
        next = receive();
      } catch {
        // Deno's node:worker_threads refuses receiveMessageOnPort(parentPort): messages then come
        // through the event loop only
        receive = null;
        return;
      }
      if (next) {
        handle(next.message as Msg);
        if (running.size > 0) return;
        until = performance.now() + spin;
      } else if (performance.now() < until) continue;
      else if (!bell || Atomics.wait(bell, 0, rung, WAIT_MS) === 'timed-out') return;
    }
  };
  if (typeof port.on === 'function') port.on('message', onMessage);
  else port.addEventListener!('message', (event) => onMessage(event.data));
}
