/**
 * A first mapping for a file nobody described: each column is matched to a field by the field's
 * name or its label in any of the model's languages, compared after folding (case, spaces, `_`
 * and `-`, camelCase, ZWNJ, Persian/Arabic letter forms, digits). A person reviews it in the
 * mapping editor. Read-only fields are never suggested; a field is suggested for one column only.
 *
 *   suggestColumns(contact, ['Full Name', 'E-mail', 'نام شرکت', 'Notes ']);
 *   // Map { 'Full Name' → 'full_name', 'E-mail' → 'email', 'نام شرکت' → 'company_id', 'Notes ' → 'notes' }
 */
import type { EntityModel } from '../model/types.ts';
import { normaliseSearchText } from '../locale/search-text.ts';

/** Folds a header or a label: "FullName", "full_name", "Full-Name " → "full name". */
export function foldHeader(text: string): string {
  return normaliseSearchText(text.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[_\-.:/\\()[\]#*]+/g, ' '));
}

function compact(folded: string): string {
  return folded.replace(/ /g, '');
}

interface Candidate {
  readonly field: string;
  readonly folded: string;
}

function candidates(entity: EntityModel): Candidate[] {
  const out: Candidate[] = [];
  for (const field of entity.fields) {
    if (field.readOnly) continue;
    const names = [field.name, ...Object.values(field.label)];
    if (field.relation) names.push(field.name.replace(/_id$/, ''), field.relation.entity);
    for (const name of new Set(names)) {
      const folded = foldHeader(name);
      if (folded !== '') out.push({ field: field.name, folded });
    }
  }
  return out;
}

/** Header forms to compare: the whole header, and what follows "Object:" ("Contact: Email" → "email"). */
function headerForms(header: string): string[] {
  const forms = [foldHeader(header)];
  const colon = header.lastIndexOf(':');
  if (colon > 0) forms.push(foldHeader(header.slice(colon + 1)));
  return forms.filter((f) => f !== '');
}

function containsWords(haystack: string, needle: string): boolean {
  return needle.length >= 4 && ` ${haystack} `.includes(` ${needle} `);
}

/** 3: the same text; 2: the same without spaces; 1: one holds the other as whole words. */
function score(header: string, candidate: string): number {
  if (header === candidate) return 3;
  if (compact(header) === compact(candidate)) return 2;
  if (containsWords(header, candidate) || containsWords(candidate, header)) return 1;
  return 0;
}

export function suggestColumns(entity: EntityModel, headers: readonly string[]): Map<string, string | null> {
  const pool = candidates(entity);
  const matches: { header: number; field: string; score: number }[] = [];
  headers.forEach((header, index) => {
    const best = new Map<string, number>();
    for (const form of headerForms(header)) {
      for (const c of pool) {
        const s = score(form, c.folded);
        if (s > (best.get(c.field) ?? 0)) best.set(c.field, s);
      }
    }
    for (const [field, s] of best) matches.push({ header: index, field, score: s });
  });
  // Best matches first; among equals, the earlier column and then the field's order win.
  matches.sort((a, b) => b.score - a.score || a.header - b.header);
  const result = new Map<string, string | null>(headers.map((h) => [h, null]));
  const usedFields = new Set<string>();
  const usedHeaders = new Set<number>();
  for (const m of matches) {
    if (usedFields.has(m.field) || usedHeaders.has(m.header)) continue;
    usedFields.add(m.field);
    usedHeaders.add(m.header);
    result.set(headers[m.header] ?? '', m.field);
  }
  return result;
}
