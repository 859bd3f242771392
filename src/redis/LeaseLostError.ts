/**
 * A section of a Redis-backed permit source lost its lease: it expired (the process stalled longer
 * than `lease`), its key vanished, or Redis restarted. The section's source has been unsubscribed and
 * `lease.signal` aborted; a fencing token checked by the protected resource is what makes a stale
 * holder harmless.
 */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}
