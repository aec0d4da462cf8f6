/** access area (issue 6). */
export const access = {
  en: {
    'nav.access': 'access',
  },
  fa: {},
  ar: {},
};
