/**
 * The `Mailer` port: SMTP through nodemailer, or an in-process twin for tests and the embedded mode.
 *
 * ```ts
 * const mailer = process.env.SMTP_URL ? createSmtpMailer(process.env.SMTP_URL) : null;
 * await mailer?.send({ from: 'crm@example.com', to: ['ana@example.com'], subject: 'Hi', text: 'Hello',
 *   messageId: messageIdFor(ctx.idempotencyKey, 'example.com') });
 * ```
 *
 * Delivery is at least once (SECURITY.md item 6): a repeated send carries the same Message-ID, which
 * is derived from the step's idempotency key, so receivers and threading can drop the duplicate.
 */
import { createHash } from 'node:crypto';
import { createTransport } from 'nodemailer';

export interface OutgoingEmail {
  readonly from: string;
  readonly to: readonly string[];
  readonly cc?: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
  /** `<…@domain>`, from `messageIdFor`. */
  readonly messageId: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface SendReceipt {
  readonly messageId: string;
  readonly accepted: string[];
  readonly rejected: string[];
}

export interface Mailer {
  /** Throws a `MailError` (with `retry`) when the message is refused or cannot be sent. */
  send(email: OutgoingEmail): Promise<SendReceipt>;
  close(): Promise<void>;
}

export class MailError extends Error {
  /** Whether another attempt could succeed (a dropped connection) or not (a refused recipient). */
  readonly retry: boolean;
  constructor(message: string, retry: boolean) {
    super(message);
    this.name = 'MailError';
    this.retry = retry;
  }
}

const LABEL = String.raw`[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?`;
const DOMAIN = new RegExp(String.raw`^${LABEL}(?:\.${LABEL})+$`, 'u');
const LOCAL = /^[\p{L}\p{N}.!#$%&'*+/=?^_`{|}~-]{1,64}$/u;

/** A bare address, `ana@example.com`: no display name, no quoted local part, a dotted domain. */
export function isEmailAddress(text: string): boolean {
  const at = text.lastIndexOf('@');
  if (at <= 0 || text.length > 254) return false;
  const local = text.slice(0, at);
  return LOCAL.test(local) && !local.startsWith('.') && !local.endsWith('.') && !local.includes('..') && DOMAIN.test(text.slice(at + 1));
}

export const MAX_RECIPIENTS = 50;

/** `a@x.com, b@y.org; c@z.net` → the addresses, or why the list cannot be used. Empty entries are dropped. */
export function parseAddressList(text: string): { readonly ok: true; readonly addresses: string[] } | { readonly ok: false; readonly error: string } {
  if (/[\r\n]/.test(text)) return { ok: false, error: 'the address list contains a line break' };
  const addresses = text
    .split(/[,;]/)
    .map((part) => part.trim())
    .filter((part) => part !== '');
  const bad = addresses.find((address) => !isEmailAddress(address));
  if (bad !== undefined) return { ok: false, error: `${JSON.stringify(bad.slice(0, 100))} is not an email address` };
  if (addresses.length > MAX_RECIPIENTS) return { ok: false, error: `more than ${MAX_RECIPIENTS} recipients` };
  return { ok: true, addresses: [...new Set(addresses)] };
}

/** The domain of `crm@example.com` or `"CRM" <crm@example.com>`; null when there is none. */
export function domainOf(address: string): string | null {
  const bare = /<([^<>]*)>\s*$/.exec(address)?.[1] ?? address;
  const domain = bare.slice(bare.lastIndexOf('@') + 1).trim();
  return bare.includes('@') && DOMAIN.test(domain) ? domain.toLowerCase() : null;
}

/** The same key always gives the same Message-ID; the key itself (run and step ids) is not exposed. */
export function messageIdFor(idempotencyKey: string, domain: string | null): string {
  const hash = createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 40);
  const host = domain !== null && DOMAIN.test(domain) ? domain.toLowerCase() : 'peyvand.invalid';
  return `<${hash}.peyvand@${host}>`;
}

const HEADER_NAME = /^[!-9;-~]+$/;

/** Refuses what would let data become headers (CR/LF), and what a send cannot work with. */
export function checkEmail(email: OutgoingEmail): void {
  const oneLine = (what: string, value: string) => {
    if (/[\r\n\0]/.test(value)) throw new MailError(`the ${what} contains a line break`, false);
  };
  oneLine('sender', email.from);
  oneLine('subject', email.subject);
  oneLine('Message-ID', email.messageId);
  const recipients = [...email.to, ...(email.cc ?? [])];
  if (email.to.length === 0) throw new MailError('the email has no recipient', false);
  for (const address of recipients) {
    if (!isEmailAddress(address)) throw new MailError(`${JSON.stringify(address.slice(0, 100))} is not an email address`, false);
  }
  for (const [name, value] of Object.entries(email.headers ?? {})) {
    if (!HEADER_NAME.test(name)) throw new MailError(`${JSON.stringify(name)} is not a valid header name`, false);
    oneLine(`${name} header`, value);
  }
}

interface SmtpFailure {
  readonly code?: unknown;
  readonly responseCode?: unknown;
  readonly message?: unknown;
}

/** RFC 5321: 5yz is permanent (503 is a session-state error), 4yz transient; connection trouble is transient. */
function retryable(error: SmtpFailure): boolean {
  if (typeof error.responseCode === 'number') return error.responseCode < 500 || error.responseCode === 503;
  return !['EENVELOPE', 'EMESSAGE', 'EAUTH', 'ENOAUTH', 'ECONFIG', 'EMAXRECIPIENTS', 'EFILEACCESS', 'EURLACCESS'].includes(String(error.code));
}

export const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000, dnsTimeout: 10_000 } as const;

/** A pooled SMTP mailer for `smtp://user:pass@host:587` or `smtps://…:465`. */
export function createSmtpMailer(url: string): Mailer {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('SMTP_URL is not a URL; expected smtp://user:password@host:587 or smtps://…:465');
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') throw new Error(`SMTP_URL must start with smtp:// or smtps://, not ${parsed.protocol}//`);
  const transport = createTransport({
    url,
    pool: true,
    maxConnections: 3,
    ...SMTP_TIMEOUTS,
    // Message parts are always strings here; never let one be read from a path or URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return {
    async send(email) {
      checkEmail(email);
      try {
        const info = await transport.sendMail({
          from: email.from,
          to: [...email.to],
          cc: email.cc === undefined ? undefined : [...email.cc],
          subject: email.subject,
          text: email.text,
          html: email.html,
          messageId: email.messageId,
          headers: email.headers === undefined ? undefined : { ...email.headers },
          disableFileAccess: true,
          disableUrlAccess: true,
        });
        return { messageId: info.messageId, accepted: (info.accepted ?? []).map(String), rejected: (info.rejected ?? []).map(String) };
      } catch (error) {
        const failure = (typeof error === 'object' && error !== null ? error : {}) as SmtpFailure;
        throw new MailError(`the mail server refused or failed: ${String(failure.message ?? error)}`, retryable(failure));
      }
    },
    close() {
      transport.close();
      return Promise.resolve();
    },
  };
}

/** The in-process twin: keeps what it is given, checked the same way the SMTP mailer checks it. */
export class MemoryMailer implements Mailer {
  readonly sent: OutgoingEmail[] = [];

  send(email: OutgoingEmail): Promise<SendReceipt> {
    try {
      checkEmail(email);
    } catch (error) {
      return Promise.reject(error);
    }
    this.sent.push(structuredClone(email));
    return Promise.resolve({ messageId: email.messageId, accepted: [...email.to, ...(email.cc ?? [])], rejected: [] });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The demo's mailer (`serve --demo` without SMTP_URL): writes each email to the log instead of
 * sending it, so the built-in workflows run end to end on a machine with no mail server.
 */
export class LogMailer implements Mailer {
  readonly #log: (line: string) => void;

  constructor(log: (line: string) => void) {
    this.#log = log;
  }

  send(email: OutgoingEmail): Promise<SendReceipt> {
    try {
      checkEmail(email);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#log(`email (printed, not sent: SMTP_URL is not set) ${email.messageId}\n  to: ${email.to.join(', ')}\n  subject: ${email.subject}\n  ${email.text.replaceAll('\n', '\n  ')}`);
    return Promise.resolve({ messageId: email.messageId, accepted: [...email.to, ...(email.cc ?? [])], rejected: [] });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
