/**
 * A small parser for the Structured Field Lists (RFC 9651, section 4.2) the IETF RateLimit fields use:
 * Items with parameters, whose bare items are Integers, Decimals, Strings, Tokens, Byte Sequences or
 * Booleans. Inner Lists, Dates and Display Strings are not parsed: a field holding one is malformed here, and
 * the draft says a malformed RateLimit field is ignored as a whole. Never throws.
 * https://www.rfc-editor.org/rfc/rfc9651#section-4.2
 */

/** A bare item: a number (Integer or Decimal), a string (String or Token), a Byte Sequence (base64 text), a boolean. */
export type SfValue = number | string | boolean | { readonly bytes: string };

/**
 * A List member: its value, whether that value was a String (`"..."`; false for a Token or any other type),
 * and its parameters (keys are lower-case by RFC 9651). A tuple, so that the bundle carries no property
 * names for it.
 */
export type SfItem = readonly [value: SfValue, isString: boolean, params: ReadonlyMap<string, SfValue>];

/**
 * One step of a List, read in a single pass with `lastIndex`: a parameter key (`;key` or `;key=`, RFC 9651
 * section 3.1.2: spaces may follow the semicolon), a member separator (`OWS "," OWS`), or a bare item: a
 * String of printable ASCII with `\"` and `\\` escapes, an Integer (at most 15 digits) or Decimal (at most 12
 * digits, a point and at most 3 decimals), a Byte Sequence, a Boolean, or a Token.
 */
const STEP =
  /; *([a-z*][a-z0-9_.*-]*)(=?)|\s*(,)[ \t]*|"((?:[ !#-[\]-~]|\\["\\])*)"|(-?(?:\d{1,12}\.\d{1,3}|\d{1,15}))(?![\d.])|:([A-Za-z0-9+/=]*):|\?([01])|([A-Za-z*][\w!#$%&'*+.^`|~:/-]*)/y;

/** Parses a List field value; null when it is malformed (the caller then ignores the field). */
export function parseSfList(input: string): SfItem[] | null {
  const s = input.trim();
  const out: SfItem[] = [];
  // A bare item comes next (the first member, one after a comma, a parameter's value after `=`), and the
  // parameter it is the value of (null: a member's).
  let want = true;
  let key: string | null = null;
  let params = new Map<string, SfValue>();
  STEP.lastIndex = 0;
  while (STEP.lastIndex < s.length) {
    const m = STEP.exec(s);
    if (!m) return null;
    const [, name, eq, comma, string, number, bytes, boolean, token] = m;
    // A parameter or a separator only after a bare item; a bare item only where one is due.
    if (want === !!(name ?? comma)) return null;
    if (name) {
      key = name;
      want = !!eq;
      if (!want) params.set(key, true);
    } else if (comma) {
      want = true;
      key = null;
    } else {
      const value: SfValue =
        string?.replace(/\\(.)/g, '$1') ??
        (number ? +number : bytes !== undefined ? { bytes } : boolean ? boolean === '1' : token!);
      if (key === null) out.push([value, string !== undefined, (params = new Map())]);
      else params.set(key, value);
      want = false;
    }
  }
  // Empty, or ending in a comma or `=`: malformed.
  return want ? null : out;
}
