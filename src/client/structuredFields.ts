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

/**
 * One bare item at the head of the input: a String of printable ASCII with `\"` and `\\` escapes, an
 * Integer (at most 15 digits) or Decimal (at most 3 decimals), a Byte Sequence, a Boolean, or a Token.
 */
const BARE =
  /^(?:"((?:[ !#-[\]-~]|\\["\\])*)"|(-?\d{1,15}(?:\.\d{1,3})?)(?![\d.])|:([A-Za-z0-9+/=]*):|\?([01])|([A-Za-z*][!#$%&'*+\-.^_`|~\w:/]*))/;
/** `;key` or `;key=` (RFC 9651 section 3.1.2: spaces may follow the semicolon). */
const PARAM = /^; *([a-z*][a-z0-9_.*-]*)(=?)/;

/** Parses a List field value; null when it is malformed (the caller then ignores the field). */
export function parseSfList(input: string): SfItem[] | null {
  let s = input.trim();
  const out: SfItem[] = [];
  const bare = (): SfValue | null => {
    const m = BARE.exec(s);
    if (!m) return null;
    s = s.slice(m[0].length);
    const [, string, number, bytes, boolean, token] = m;
    if (string !== undefined) return string.replace(/\\(.)/g, '$1');
    // A Decimal has at most 12 digits before its point.
    if (number !== undefined) return /^-?\d{13}/.test(number) && number.includes('.') ? null : Number(number);
    if (bytes !== undefined) return { bytes };
    return boolean !== undefined ? boolean === '1' : token!;
  };
  for (;;) {
    const isString = s[0] === '"';
    const value = bare();
    if (value === null) return null;
    const params = new Map<string, SfValue>();
    let m: RegExpExecArray | null;
    while ((m = PARAM.exec(s))) {
      s = s.slice(m[0].length);
      const param = m[2] ? bare() : true;
      if (param === null) return null;
      params.set(m[1]!, param);
    }
    out.push({ value, isString, params });
    s = s.trimStart();
    if (s === '') return out;
    // Members are separated by a comma; a trailing one is malformed.
    if (!(m = /^,[ \t]*(?=\S)/.exec(s))) return null;
    s = s.slice(m[0].length);
  }
}
