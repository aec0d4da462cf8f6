/**
 * `POST /hooks/<workflow>`: inbound webhooks. The sender signs `<timestamp>.<body>` with the
 * workflow's secret (HMAC-SHA256) and sends `X-Peyvand-Timestamp` (Unix seconds) and
 * `X-Peyvand-Signature: sha256=<hex>`; requests outside a 5-minute window and replays are refused.
 *
 *   curl -X POST https://crm.example.com/hooks/lead_hook -H 'content-type: application/json' \
 *     -H "X-Peyvand-Timestamp: $ts" -H "X-Peyvand-Signature: sha256=$sig" -d '{"name":"Reza"}'
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Runtime } from '../runtime.ts';
import { receiveWebhook, WEBHOOK_MAX_BYTES } from './workflow-service.ts';

export const HOOKS_PREFIX = '/hooks/';

function reply(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function handleWebhookNode(runtime: Runtime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const name = decodeURIComponent((req.url ?? '').slice(HOOKS_PREFIX.length).split('?')[0] ?? '');
  if (req.method !== 'POST') return reply(res, 405, { error: 'use POST' });
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(name)) return reply(res, 401, { error: 'the request is not signed for this webhook' });
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > WEBHOOK_MAX_BYTES) return reply(res, 413, { error: `the body is larger than ${WEBHOOK_MAX_BYTES} bytes` });
  const body = await readBody(req, WEBHOOK_MAX_BYTES);
  if (body === null) return reply(res, 413, { error: `the body is larger than ${WEBHOOK_MAX_BYTES} bytes` });
  const header = (h: string) => {
    const v = req.headers[h];
    return typeof v === 'string' ? v : null;
  };
  const outcome = await receiveWebhook(runtime.database.db, runtime.current().model, { workflow: name, timestamp: header('x-peyvand-timestamp'), signature: header('x-peyvand-signature'), body });
  if (!outcome.ok) return reply(res, outcome.status, { error: outcome.message });
  if (outcome.runId) runtime.wakeJobs();
  reply(res, 202, { accepted: true, run: outcome.runId, duplicate: outcome.duplicate });
}
