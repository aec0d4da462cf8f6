/** privacy area (issue 6). */
export const privacy = {
  en: {
    'nav.privacy': 'privacy',
  },
  fa: {},
  ar: {},
};
