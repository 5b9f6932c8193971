import { asStoreUnavailable } from './store-unavailable.js';

/** Runs one Redis command; whatever it throws comes out as StoreUnavailableError. */
export async function redisCall<T>(command: () => Promise<T>): Promise<T> {
  try {
    return await command();
  } catch (error) {
    throw asStoreUnavailable(error);
  }
}
