/**
 * The shared state store (Redis) could not be reached or did not answer in
 * time. Routes answer it with 503 `store_unavailable`, never 500 and never a
 * pass: whatever needed the store did not happen.
 */
export class StoreUnavailableError extends Error {
  readonly code = 'GH_STORE_UNAVAILABLE';
  constructor(
    /** Which store: `redis` (the only shared one today). */
    readonly store: string,
    options?: { cause?: unknown },
  ) {
    super(`the ${store} store is unavailable`, options);
  }
}

/** Wraps anything a Redis call threw (connection refused, timeout, MaxRetriesPerRequestError) as StoreUnavailableError. */
export function asStoreUnavailable(error: unknown, store = 'redis'): StoreUnavailableError {
  return error instanceof StoreUnavailableError ? error : new StoreUnavailableError(store, { cause: error });
}

// What ioredis throws when it cannot get a command to Redis and back: no offline queue, retries
// used up, a closed or timed-out connection, a Sentinel that names no master, a replica mid-failover.
const IOREDIS_UNAVAILABLE = /Stream isn't writeable|Connection is closed|Command timed out|MaxRetriesPerRequest|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|All sentinels are unreachable|READONLY|LOADING|MASTERDOWN/;

/** True for a StoreUnavailableError and for the ioredis errors of an outage that reach a route unwrapped. */
export function isStoreUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e instanceof StoreUnavailableError) return true;
    if (e.name === 'MaxRetriesPerRequestError' || IOREDIS_UNAVAILABLE.test(e.message)) return true;
  }
  return false;
}
