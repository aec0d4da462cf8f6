/** audit area (issue 6). */
export const audit = {
  en: {
    'nav.audit': 'audit',
  },
  fa: {},
  ar: {},
};
