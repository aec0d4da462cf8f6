/** records area: strings added as the screens grow. */
export const records = {
  en: {},
  fa: {},
  ar: {},
} as const;
