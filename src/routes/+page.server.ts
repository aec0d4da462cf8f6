import type { PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals }) => {
  const { version, model } = locals.runtime.current();
  return {
    version,
    packs: model.packs.map((p) => ({ name: p.name, version: p.version, title: p.title })),
    entities: model.entities.map((e) => ({ name: e.name, label: e.label, plural: e.pluralLabel, fields: e.fields.length })),
  };
};
