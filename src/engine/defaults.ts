/** Default time the engine waits for its store, in milliseconds, before applying the failure mode. */
export const DEFAULT_STORE_TIMEOUT_MS = 200;

/** Default failure mode of the engine: decide from an in-memory store in this process. */
export const DEFAULT_ON_STORE_FAILURE = 'fallback' as const;

/** Default `Retry-After`, in whole seconds, of a decision refused because the store is unavailable. */
export const DEFAULT_UNAVAILABLE_RETRY_AFTER_SECONDS = 1;
