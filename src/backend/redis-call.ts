import { asStoreUnavailable } from './store-unavailable.js';

/** Runs one Redis command; whatever it throws comes out as StoreUnavailableError. */
export async function redisCall<T>(command: () => Promise<T>): Promise<T> {
  try {
    return await command();
  } catch (error) {
    throw asStoreUnavailable(error);
  }
}

/**
 * Runs a MULTI (or pipeline) and checks what EXEC answered: a command that
 * failed inside it, or an aborted transaction (null), is a failure too, not
 * a success with nothing done. Throws StoreUnavailableError.
 */
export async function redisExec(run: () => Promise<Array<[Error | null, unknown]> | null>): Promise<void> {
  await redisCall(async () => {
    const results = await run();
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw failed?.[0] ?? new Error('transaction aborted');
  });
}
