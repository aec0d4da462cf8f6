/**
 * The HTTP load generator, run in a worker thread so that building requests and reading responses
 * does not share the server's event loop. Keep-alive sockets, one per loop.
 */
import http from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { contactInput, copyId } from './data.ts';
import { runLoops, spread, type LoopResult } from './loops.ts';

export type HttpJobKind = 'create' | 'get' | 'list' | 'path';

export interface HttpJob {
  readonly kind: HttpJobKind;
  readonly host: string;
  readonly port: number;
  readonly token: string;
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly measureMs: number;
  readonly maxCount: number;
  /** get: ids are those of COPY rows 0 … idSpace-1. */
  readonly idSpace: number;
  /** create: the email series, so that runs never collide on the unique email. */
  readonly series: string;
  /** list: the `input` of entities.contact.list. */
  readonly listInput: unknown;
  /** path: the path (and query) fetched with GET, e.g. a page of the web app. */
  readonly path?: string;
  /** path: the request headers (e.g. the session cookie); the bearer token is not sent. */
  readonly headers?: Readonly<Record<string, string>>;
}

export type WorkerReply = { readonly ok: true; readonly result: LoopResult } | { readonly ok: false; readonly message: string };

const LOOP_STRIDE = 100_000_000;

async function main(job: HttpJob): Promise<LoopResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency, maxFreeSockets: job.concurrency });
  const authorization = `Bearer ${job.token}`;

  const send = (method: 'GET' | 'POST', path: string, body: string | null): Promise<void> =>
    new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = job.kind === 'path' ? { ...job.headers } : { authorization };
      if (body !== null) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(body);
      }
      const req = http.request({ host: job.host, port: job.port, method, path, agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          if (res.statusCode === 200) resolve();
          else reject(new Error(`${method} ${path.slice(0, 60)} → HTTP ${res.statusCode ?? '?'}: ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}`));
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body ?? undefined);
    });

  const listPath = `/trpc/entities.contact.list?input=${encodeURIComponent(JSON.stringify(job.listInput))}`;
  const op = (loop: number, seq: number): Promise<void> => {
    switch (job.kind) {
      case 'create':
        return send('POST', '/trpc/entities.contact.create', JSON.stringify(contactInput(loop * LOOP_STRIDE + seq, job.series)));
      case 'get': {
        const id = copyId(spread(loop, seq, job.idSpace));
        return send('GET', `/trpc/entities.contact.get?input=${encodeURIComponent(JSON.stringify({ id }))}`, null);
      }
      case 'list':
        return send('GET', listPath, null);
      case 'path':
        return send('GET', job.path ?? '/', null);
    }
  };
  try {
    return await runLoops(job, op);
  } finally {
    agent.destroy();
  }
}

if (parentPort) {
  const port = parentPort;
  main(workerData as HttpJob).then(
    (result) => port.postMessage({ ok: true, result } satisfies WorkerReply, [result.samples.buffer]),
    (error: unknown) => port.postMessage({ ok: false, message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies WorkerReply),
  );
}
