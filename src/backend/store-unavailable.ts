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
