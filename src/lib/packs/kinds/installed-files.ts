/** Export of kinds the deployment does not change after installing: their files as installed. */
import { packJson } from '../pack-json.ts';
import type { PackExportInput, PackFileKind, SourceFile } from './pack-file-kind.ts';

export function filesAsInstalled(kind: Pick<PackFileKind, 'pattern' | 'format' | 'keepOrder'>, input: PackExportInput): SourceFile[] {
  return (input.installed ?? [])
    .filter((f) => kind.pattern.test(f.path))
    .map((f) => ({ path: f.path, text: kind.format === 'json' ? packJson(JSON.parse(f.text), { keepOrder: kind.keepOrder ?? [] }) : f.text }));
}

/** The name a file's path gives it: `data/contact.csv` → `contact`. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1).replace(/\.[a-z]+$/, '');
}
