/** security area (issue 6). */
export const security = {
  en: {
    'nav.security': 'security',
  },
  fa: {},
  ar: {},
};
