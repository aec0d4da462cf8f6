/**
 * Test support: a FieldModel built the way the normaliser builds one (configure fills options,
 * relation and auto-number), from a frozen schema, so that mutating it would throw.
 */
import type { FieldModel, JsonObject, JsonValue } from '../model/types.ts';
import type { FieldType } from './field-type.ts';

export interface Report {
  readonly path: string;
  readonly message: string;
}

function deepFreeze<T extends JsonValue>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

export function frozen<T extends JsonObject>(schema: T): T {
  return deepFreeze(structuredClone(schema));
}

export function configureReports(type: FieldType, schema: JsonObject): Report[] {
  const reports: Report[] = [];
  type.configure(frozen(schema), { report: (path, message) => reports.push({ path, message }) });
  return reports;
}

export function makeField(type: FieldType, schema: JsonObject, name = 'f'): FieldModel {
  const authored = frozen(schema);
  const reports: Report[] = [];
  const config = type.configure(authored, { report: (path, message) => reports.push({ path, message }) });
  if (reports.length > 0) throw new Error(`schema problems: ${JSON.stringify(reports)}`);
  return {
    name,
    type: type.name,
    label: { en: name },
    description: null,
    required: false,
    unique: false,
    indexed: false,
    readOnly: config.readOnly ?? authored.readOnly === true,
    defaultValue: authored.default,
    renamedFrom: [],
    schema: authored,
    options: config.options ?? [],
    relation: config.relation ?? null,
    autoNumber: config.autoNumber ?? null,
    layout: { section: null, width: 'full', order: 10, inList: true },
    help: null,
  };
}
