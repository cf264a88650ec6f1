/**
 * The few Structured Field Values (RFC 9651) the RateLimit fields need: Lists of String Items with Integer,
 * String and Byte Sequence parameters. Serialisation only; this library never parses these fields.
 * https://www.rfc-editor.org/rfc/rfc9651#section-4.1
 */

/** The largest magnitude RFC 9651 allows for an Integer (15 decimal digits). */
export const SF_MAX_INTEGER = 999_999_999_999_999;

/** A parameter value: an Integer (`number`), a String (`string`) or a Byte Sequence (`Uint8Array`). */
export type SfBareItem = number | string | Uint8Array;

/** A String Item with ordered parameters, e.g. `"daily";q=1000;w=86400`. */
export interface SfStringItem {
  readonly value: string;
  readonly params: readonly (readonly [key: string, value: SfBareItem])[];
}

const KEY = /^[a-z*][a-z0-9_.*-]*$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Serialises a String: printable ASCII only, with `"` and `\` escaped. Throws `TypeError` otherwise. */
export function serializeSfString(value: string): string {
  if (!PRINTABLE_ASCII.test(value)) {
    throw new TypeError(`Structured field strings must be printable ASCII; got ${JSON.stringify(value)}`);
  }
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Serialises an Integer. Throws `TypeError` for a non-integer or one beyond 15 digits. */
export function serializeSfInteger(value: number): string {
  if (!Number.isInteger(value) || Math.abs(value) > SF_MAX_INTEGER) {
    throw new TypeError(`Structured field integers must be integers of at most 15 digits; got ${value}`);
  }
  // `${-0}` is "0", which is what the RFC wants too.
  return `${value}`;
}

/** Serialises a Byte Sequence as `:base64:`. */
export function serializeSfByteSequence(value: Uint8Array): string {
  return `:${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')}:`;
}

function serializeBareItem(value: SfBareItem): string {
  if (typeof value === 'number') return serializeSfInteger(value);
  if (typeof value === 'string') return serializeSfString(value);
  return serializeSfByteSequence(value);
}

/** Serialises a List of String Items with their parameters, members separated by `, `. */
export function serializeSfList(items: readonly SfStringItem[]): string {
  return items
    .map((item) => {
      let out = serializeSfString(item.value);
      for (const [key, value] of item.params) {
        if (!KEY.test(key))
          throw new TypeError(`Invalid structured field parameter key ${JSON.stringify(key)}`);
        out += `;${key}=${serializeBareItem(value)}`;
      }
      return out;
    })
    .join(', ');
}
