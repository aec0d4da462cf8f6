import type { Runtime } from '$lib/server/runtime.ts';

declare global {
  namespace App {
    interface Locals {
      runtime: Runtime;
    }
  }
}

export {};
