/**
 * The data of an incremental (`@defer` / `@stream`) response, put back together from its payloads, so that
 * the operation is settled on the actual cost of everything it delivered.
 */

/** One payload of an incremental response, as the executor yields it (only what is read here). */
export interface IncrementalPayload {
  /** The initial payload's data. */
  readonly data?: Record<string, unknown> | null | undefined;
  /** A subsequent payload's parts: a deferred fragment's `data`, or a stream's `items`, at `path`. */
  readonly incremental?: readonly IncrementalPart[] | null | undefined;
}

/** One part of a subsequent payload (the GraphQL incremental delivery RFC's format before its `pending` ids). */
export interface IncrementalPart {
  /** A deferred fragment's fields, merged into the object at `path`. */
  readonly data?: Record<string, unknown> | null | undefined;
  /** Streamed list items, appended to the list at `path` (whose last element is the first item's index). */
  readonly items?: readonly unknown[] | null | undefined;
  readonly path?: readonly (string | number)[] | null | undefined;
}

/**
 * Accumulates the payloads of one incremental response into one `data` tree, the shape a single result of
 * the same operation would have had (less whatever was not delivered). Parts the tree has no place for (a
 * path through a null, a malformed payload) are ignored: they were not delivered as data. O(size of the
 * payloads); nothing is copied but the merged objects' own fields.
 *
 * Follows the payload format of `@graphql-tools/executor` (GraphQL Yoga's `@graphql-yoga/plugin-defer-stream`)
 * and graphql-js 17.0.0-alpha.2: `{ data, hasNext }` first, then `{ incremental: [{ data | items, path }],
 * hasNext }`.
 */
export class IncrementalData {
  #data: Record<string, unknown> | null = null;
  /**
   * Containers copied into the tree, which may be changed in place. The payloads' own objects are never
   * changed: the server may still be serialising them.
   */
  readonly #owned = new WeakSet<object>();

  /** The data delivered so far; null before an initial payload with data. */
  get data(): Record<string, unknown> | null {
    return this.#data;
  }

  /** Adds one payload (the initial one, or a subsequent one). */
  add(payload: IncrementalPayload): void {
    if (isObject(payload.data)) this.#data = this.#merge(this.#data ?? {}, payload.data);
    const parts = payload.incremental;
    if (!Array.isArray(parts) || this.#data === null) return;
    for (const part of parts as readonly IncrementalPart[]) this.#addPart(part);
  }

  #addPart(part: IncrementalPart): void {
    const path: readonly (string | number)[] = Array.isArray(part.path) ? part.path : [];
    const items: readonly unknown[] | null | undefined = part.items;
    if (Array.isArray(items)) {
      // A stream's path ends with the index of its first item: the list is the path without it.
      const from = path[path.length - 1];
      if (typeof from !== 'number') return;
      const list = this.#ownedAt(path.slice(0, -1));
      if (!Array.isArray(list)) return;
      items.forEach((item: unknown, i) => (list[from + i] = item));
      return;
    }
    if (!isObject(part.data)) return;
    const target = this.#ownedAt(path);
    if (isObject(target)) this.#merge(target, part.data);
  }

  #own<T extends Container>(container: T): T {
    if (this.#owned.has(container)) return container;
    const copy = (Array.isArray(container) ? [...container] : { ...container }) as T;
    this.#owned.add(copy);
    return copy;
  }

  /** The container at `path`, copied (with every container above it) so that it may be changed; undefined when the path leads nowhere. */
  #ownedAt(path: readonly (string | number)[]): Container | undefined {
    let node: Container = (this.#data = this.#own(this.#data!));
    for (const step of path) {
      const child: unknown = (node as Record<string | number, unknown>)[step];
      if (!isContainer(child)) return undefined;
      const owned: Container = this.#own(child);
      (node as Record<string | number, unknown>)[step] = owned;
      node = owned;
    }
    return node;
  }

  /** Deep-merges `source` into `target` (an owned container, changed in place; returned). */
  #merge<T extends Container>(target: T, source: Container): T {
    const into = this.#own(target) as Record<string | number, unknown>;
    for (const key of Object.keys(source)) {
      const next = (source as Record<string, unknown>)[key];
      const current = into[key];
      into[key] =
        isContainer(current) && isContainer(next) && Array.isArray(current) === Array.isArray(next)
          ? this.#merge(current, next)
          : next;
    }
    return into as T;
  }
}

type Container = Record<string, unknown> | unknown[];

function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return isContainer(value) && !Array.isArray(value);
}
