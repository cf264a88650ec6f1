/**
 * A unified diff (`diff -u` format) of an edit that inserts text within lines and prepends whole lines, as
 * `annotateSchema` does: line `i` of the old text is line `i + k` of the new one, `k` lines having been
 * prepended. Exact for such edits, so it needs no general (and, on a 60,000-line schema, slow) line matching.
 */

/** Lines of context around each change, as `diff -u`. */
const CONTEXT = 3;

interface Entry {
  readonly kind: ' ' | '-' | '+';
  readonly text: string;
}

function lines(text: string): string[] {
  const split = text.split('\n');
  if (split[split.length - 1] === '') split.pop();
  return split;
}

/**
 * The unified diff from `before` to `after` (both named `name`, as `a/<name>` and `b/<name>`); the empty
 * string when they are equal.
 *
 * @throws Error when `after` is not `before` with lines prepended and text inserted within lines.
 */
export function unifiedDiff(before: string, after: string, name: string): string {
  const old = lines(before);
  const next = lines(after);
  const prepended = next.length - old.length;
  if (prepended < 0) throw new Error('unifiedDiff: the new text has fewer lines than the old one');
  const entries: Entry[] = next.slice(0, prepended).map((text) => ({ kind: '+', text }));
  // A run of changed lines reads as diff -u prints it: the old lines, then the new ones.
  let added: Entry[] = [];
  old.forEach((text, i) => {
    const now = next[i + prepended]!;
    if (now !== text) {
      entries.push({ kind: '-', text });
      added.push({ kind: '+', text: now });
      return;
    }
    entries.push(...added, { kind: ' ', text });
    added = [];
  });
  entries.push(...added);
  const changed = entries.flatMap((entry, index) => (entry.kind === ' ' ? [] : [index]));
  if (changed.length === 0) return '';
  // oldBefore[k], newBefore[k]: old and new lines before entry k.
  const oldBefore = new Array<number>(entries.length + 1);
  const newBefore = new Array<number>(entries.length + 1);
  oldBefore[0] = 0;
  newBefore[0] = 0;
  entries.forEach((entry, k) => {
    oldBefore[k + 1] = oldBefore[k]! + (entry.kind === '+' ? 0 : 1);
    newBefore[k + 1] = newBefore[k]! + (entry.kind === '-' ? 0 : 1);
  });
  let out = `--- a/${name}\n+++ b/${name}\n`;
  let g = 0;
  while (g < changed.length) {
    let last = g;
    while (last + 1 < changed.length && changed[last + 1]! - changed[last]! <= 2 * CONTEXT + 1) last++;
    const from = Math.max(0, changed[g]! - CONTEXT);
    const to = Math.min(entries.length, changed[last]! + CONTEXT + 1);
    const oldCount = oldBefore[to]! - oldBefore[from]!;
    const newCount = newBefore[to]! - newBefore[from]!;
    // 1-based start lines; a side with no lines names the line before the hunk, as diff -u does.
    const oldStart = oldBefore[from]! + (oldCount === 0 ? 0 : 1);
    const newStart = newBefore[from]! + (newCount === 0 ? 0 : 1);
    const hunk = entries.slice(from, to);
    out += `@@ -${oldStart},${oldCount} +${newStart},${newCount} @@\n`;
    for (const entry of hunk) out += `${entry.kind}${entry.text}\n`;
    g = last + 1;
  }
  return out;
}
