import type { Runtime } from '$lib/server/runtime.ts';
import type { AuthUser } from '$lib/server/auth/permissions.ts';
import type { Access } from '$lib/access/access.ts';
import type { CalendarName, Locale } from '$lib/i18n/locales.ts';

declare global {
  namespace App {
    interface Locals {
      runtime: Runtime;
      /** The signed-in user (session cookie), or null. */
      user: AuthUser | null;
      /** What the user may do (roles, teams); null when signed out. */
      access: Access | null;
      /** The session token, kept to sign out. */
      session: string | null;
      locale: Locale;
      calendar: CalendarName;
      timeZone: string;
    }
  }
}

export {};
