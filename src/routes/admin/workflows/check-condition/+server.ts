import type { RequestHandler } from './$types';
import { checkConditionRequest } from '$lib/server/designer/workflow-page.ts';

/** The editor's live check of the condition: POST `{ document }` → `{ issues }`. */
export const POST: RequestHandler = (event) => checkConditionRequest(event);
