/**
 * A small parser for the Structured Field Lists (RFC 9651, section 4.2) the IETF RateLimit fields use:
 * Items with parameters, whose bare items are Integers, Decimals, Strings, Tokens, Byte Sequences or
 * Booleans. Inner Lists, Dates and Display Strings are not parsed: a field holding one is malformed here, and
 * the draft says a malformed RateLimit field is ignored as a whole. Never throws.
 * https://www.rfc-editor.org/rfc/rfc9651#section-4.2
 */

/** A bare item: a number (Integer or Decimal), a string (String or Token), a Byte Sequence (base64 text), a boolean. */
export type SfValue = number | string | boolean | { readonly bytes: string };

/** A List member: its value and its parameters (keys are lower-case by RFC 9651). */
export interface SfItem {
  readonly value: SfValue;
  /** True when `value` was a String (`"..."`), false for a Token or any other type. */
  readonly isString: boolean;
  readonly params: ReadonlyMap<string, SfValue>;
}

const KEY = /^[a-z*][a-z0-9_.*-]*/;
const NUMBER = /^-?\d{1,15}(\.\d{1,3})?/;
const TOKEN = /^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*/;
const BYTES = /^:([A-Za-z0-9+/=]*):/;

/** Parses a List field value; null when it is malformed (the caller then ignores the field). */
export function parseSfList(input: string): SfItem[] | null {
  let s = input.trim();
  const out: SfItem[] = [];
  // Each step takes the head of `s`; every failure returns null.
  const bare = (): SfValue | null => {
    let m: RegExpExecArray | null;
    if (s[0] === '"') {
      let value = '';
      for (let i = 1; i < s.length; i++) {
        const c = s[i]!;
        if (c === '\\') {
          const next = s[++i];
          if (next !== '"' && next !== '\\') return null;
          value += next;
        } else if (c === '"') {
          s = s.slice(i + 1);
          return value;
        } else if (c < ' ' || c > '~') return null;
        else value += c;
      }
      return null;
    }
    if ((m = NUMBER.exec(s))) {
      // An Integer has at most 15 digits, a Decimal at most 12 before its point.
      if (m[1] !== undefined && m[0].replace('-', '').length - m[1].length > 12) return null;
      s = s.slice(m[0].length);
      return Number(m[0]);
    }
    if ((m = BYTES.exec(s))) {
      s = s.slice(m[0].length);
      return { bytes: m[1]! };
    }
    if (s[0] === '?' && (s[1] === '0' || s[1] === '1')) {
      const value = s[1] === '1';
      s = s.slice(2);
      return value;
    }
    if ((m = TOKEN.exec(s))) {
      s = s.slice(m[0].length);
      return m[0];
    }
    return null;
  };
  while (s !== '') {
    const isString = s[0] === '"';
    const value = bare();
    if (value === null) return null;
    const params = new Map<string, SfValue>();
    while (s[0] === ';') {
      s = s.slice(1).replace(/^ +/, '');
      const key = KEY.exec(s);
      if (!key) return null;
      s = s.slice(key[0].length);
      let param: SfValue | null = true;
      if (s[0] === '=') {
        s = s.slice(1);
        param = bare();
        if (param === null) return null;
      }
      params.set(key[0], param);
    }
    out.push({ value, isString, params });
    s = s.replace(/^[ \t]+/, '');
    if (s === '') break;
    if (s[0] !== ',') return null;
    s = s.slice(1).replace(/^[ \t]+/, '');
    // A trailing comma is malformed.
    if (s === '') return null;
  }
  return out;
}
