/** designer area: strings added as the screens grow. */
export const designer = {
  en: {},
  fa: {},
  ar: {},
} as const;
