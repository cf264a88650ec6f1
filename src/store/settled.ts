/**
 * Runs synchronous store work and returns its result as a promise: a throw becomes a rejection (always an
 * `Error`), so callers see one failure channel.
 */
export function settled<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
