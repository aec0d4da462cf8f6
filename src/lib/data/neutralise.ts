/**
 * Formula injection in exported spreadsheets (SECURITY.md item 10). A cell or header whose first
 * character after leading spaces is `= + - @`, a tab or a carriage return is prefixed with an
 * apostrophe, which spreadsheets read as "this is text". Plain numbers (`-12.5`, `+14155550100`)
 * cannot be formulas and are left alone, so negative amounts and phone numbers stay usable.
 *
 * The prefix is reversible: `restoreCell(neutraliseCell(x)) === x` for every `x`, so an exported
 * file imports back unchanged. A value that already starts with apostrophes before a trigger
 * (`'=1`) gets one more, which is what makes the mapping one-to-one.
 *
 *   neutraliseCell('=HYPERLINK("http://evil")')   // "'=HYPERLINK(\"http://evil\")"
 *   neutraliseCell('  @SUM(A1)')                  // "'  @SUM(A1)"
 *   neutraliseCell('-12.50')                      // '-12.50'
 */

const TRIGGER = /^[ ]*[=+\-@\t\r]/;
const QUOTED_TRIGGER = /^'+[ ]*[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;

export function needsNeutralising(text: string): boolean {
  if (PLAIN_NUMBER.test(text)) return false;
  return TRIGGER.test(text) || QUOTED_TRIGGER.test(text);
}

export function neutraliseCell(text: string): string {
  return needsNeutralising(text) ? `'${text}` : text;
}

/** The value before `neutraliseCell`: drops the apostrophe that an export added, and only that one. */
export function restoreCell(text: string): string {
  if (!text.startsWith("'")) return text;
  const original = text.slice(1);
  return needsNeutralising(original) ? original : text;
}
