import { TimeoutError } from 'rxjs';

/**
 * The default overload signal of `AdaptiveLimit` and `RateLimiter`: rxjs's `TimeoutError`, or an
 * error whose `status` is 429 or 503 (as Angular's `HttpErrorResponse` and most fetch wrappers carry it).
 */
export function isOverloadError(error: unknown): boolean {
  if (error instanceof TimeoutError) return true;
  const status = (error as { status?: unknown } | null)?.status;
  return status === 429 || status === 503;
}

/**
 * The default delay an overload asks for: its `Retry-After` header — in seconds, or an HTTP date —
 * read from `error.headers` (a `Headers`, Angular's `HttpHeaders`, or a plain object), in ms.
 * Undefined when there is none (or it cannot be read).
 */
export function retryAfterOf(error: unknown, now = Date.now()): number | undefined {
  const headers = (error as { headers?: unknown } | null)?.headers;
  if (headers === null || typeof headers !== 'object') return undefined;
  let value: unknown;
  const get = (headers as { get?: unknown }).get;
  if (typeof get === 'function') value = (get as (name: string) => unknown).call(headers, 'retry-after');
  else {
    const record = headers as Record<string, unknown>;
    value = record['retry-after'] ?? record['Retry-After'];
  }
  if (Array.isArray(value)) value = value[0];
  if (typeof value === 'number') return value >= 0 ? value * 1000 : undefined;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
