/** Every workflow action, by the `type` a workflow document names it with. Adding one is one file here. */
import type { ActionType } from '../action-type.ts';
import { assignOwnerAction } from './assign-owner.ts';
import { branchAction } from './branch.ts';
import { callWebhookAction } from './call-webhook.ts';
import { createRecordAction } from './create-record.ts';
import { createTaskAction } from './create-task.ts';
import { sendEmailAction } from './send-email.ts';
import { sendSmsAction } from './send-sms.ts';
import { updateRecordAction } from './update-record.ts';
import { waitAction } from './wait.ts';

export const ACTION_TYPES = {
  update_record: updateRecordAction,
  create_record: createRecordAction,
  create_task: createTaskAction,
  send_email: sendEmailAction,
  send_sms: sendSmsAction,
  call_webhook: callWebhookAction,
  assign_owner: assignOwnerAction,
  wait: waitAction,
  branch: branchAction,
} as const satisfies Record<string, ActionType>;

export type ActionTypeName = keyof typeof ACTION_TYPES;

export function actionType(name: string): ActionType | undefined {
  return Object.hasOwn(ACTION_TYPES, name) ? ACTION_TYPES[name as ActionTypeName] : undefined;
}
