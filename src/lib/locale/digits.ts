/**
 * Persian (U+06F0–U+06F9) and Arabic-Indic (U+0660–U+0669) digits → ASCII, and the Arabic decimal
 * (٫) and thousands (٬) separators → `.` and `,`. Everything else is left as it is.
 *
 *   normaliseDigits('۱۲٫۵') // '12.5'
 */
export function normaliseDigits(text: string): string {
  return text.replace(/[\u06F0-\u06F9\u0660-\u0669\u066B\u066C]/g, (ch) => {
    const code = ch.charCodeAt(0);
    if (code >= 0x06f0 && code <= 0x06f9) return String.fromCharCode(0x30 + code - 0x06f0);
    if (code >= 0x0660 && code <= 0x0669) return String.fromCharCode(0x30 + code - 0x0660);
    return code === 0x066b ? '.' : ',';
  });
}
