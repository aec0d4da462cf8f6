/** forms area: widgets, validation messages and the record form. */
export const forms = {
  en: {},
  fa: {},
  ar: {},
} as const;
