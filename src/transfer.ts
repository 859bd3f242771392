import { TRANSFER_BRAND, type Transferring } from './internal/pool/protocol.js';

export type { Transferring } from './internal/pool/protocol.js';

/**
 * Marks `value` to be moved to (or from) a worker without copying: the `transferables` (an
 * `ArrayBuffer`, a `MessagePort`, …) are detached on the sending side. Use it for an argument of
 * `fromWorker`, or for a value a handler returns or yields.
 *
 * ```text
 * fromWorker(pool, 'sum', transfer(buffer, [buffer]))
 * buffer.byteLength   1024 ──subscribe──> 0      (moved, not copied)
 * ```
 *
 * @example
 * ```ts
 * import { fromWorker, transfer } from 'rxjs-concurrency';
 *
 * const pixels = new Uint8Array(width * height * 4);
 * fromWorker(pool, 'blur', transfer(pixels, [pixels.buffer]), radius).subscribe(draw);
 * ```
 */
export function transfer<T>(value: T, transferables: readonly Transferable[]): Transferring<T> {
  if (!Array.isArray(transferables)) throw new TypeError(`transfer: transferables must be an array, got ${typeof transferables}`);
  return { [TRANSFER_BRAND]: true, value, transferables };
}
