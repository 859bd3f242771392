import { config } from 'rxjs';

/**
 * Reports an error nobody can receive any more, the way rxjs does: asynchronously, to
 * `config.onUnhandledError` when it is set, else thrown on a clean stack (the host's
 * uncaught-error handler sees it).
 */
export function reportUnhandledError(error: unknown): void {
  setTimeout(() => {
    const { onUnhandledError } = config;
    if (onUnhandledError) onUnhandledError(error);
    else throw error;
  });
}
