import { createTransport, type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { Clock } from '../runtime/clock.js';
import type { BackgroundJob } from '../jobs/background-job.js';
import { Loop } from '../jobs/loop.js';
import { INVITE_TTL_MS, mintToken, RESET_TTL_MS } from '../accounts/one-time-tokens.js';
import type { MailOutboxTable } from '../storage/schema.js';
import type { Storage } from '../storage/storage.js';
import type { MailKind, MailPayloads } from './mail-queue.js';
import { renderMail } from './mail-templates.js';

export interface MailSenderOptions {
  /** How often to look for due mail when nothing woke the sender. */
  pollMs: number;
  /** Waits before the 2nd, 3rd, … attempt; after the last, the mail is given up ("failed"). */
  retryDelaysMs: readonly number[];
  /** How long a claimed mail is this sender's: a sender that dies mid-send leaves it to another after this. */
  leaseMs: number;
}

export const DEFAULT_MAIL_SENDER_OPTIONS: MailSenderOptions = Object.freeze({
  pollMs: 2_000,
  // ~1.5 days in all: an SMTP server down overnight does not lose a mail.
  retryDelaysMs: [10_000, 30_000, 60_000, 300_000, 900_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000, 43_200_000, 43_200_000],
  leaseMs: 120_000,
});

export interface MailLog {
  info(message: string): void;
  warn(message: string): void;
}

/**
 * Sends the mail outbox over SMTP (the worker role). Each due mail is claimed with a lease, rendered
 * (invitation and reset links are minted now: the outbox never holds a token), sent, and marked
 * sent; a failure waits the next retry delay. A crash between sending and marking sends it again
 * (at least once). Without LINKWIRE_SMTP_URL, mails are marked `logged` and a line without any link
 * is logged; admins copy invitation links, and operators reset links, in the dashboard (docs/mail.md).
 */
export class MailSender implements BackgroundJob {
  readonly name = 'mail-sender';
  private readonly loop: Loop;
  private readonly transport: Transporter | null;
  private readonly options: MailSenderOptions;

  constructor(
    private readonly deps: { storage: Storage; clock: Clock; baseUrl: string; smtpUrl: string | null; from: string; log: MailLog },
    options: Partial<MailSenderOptions> = {},
    onError: (err: unknown) => void = () => undefined,
  ) {
    this.options = { ...DEFAULT_MAIL_SENDER_OPTIONS, ...options };
    this.transport = deps.smtpUrl
      ? // The URL's own settings win; the timeouts apply where it sets none (nodemailer merges them so).
        createTransport({ url: deps.smtpUrl, connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000 } as SMTPTransport.Options)
      : null;
    this.loop = new Loop('mail-sender', () => this.sendDue(), this.options.pollMs, onError);
  }

  start(): void {
    this.loop.start();
  }

  /** Mail was queued in this process: look now. */
  poke(): void {
    this.loop.poke();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    this.transport?.close();
  }

  /** One batch of due mail; true when there may be more. */
  private async sendDue(): Promise<boolean> {
    const { storage, clock } = this.deps;
    const now = clock.now();
    const due = await storage.db
      .selectFrom('mail_outbox')
      .selectAll()
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('leased_until', 'is', null), eb('leased_until', '<', now)]))
      .orderBy('next_attempt_at')
      .limit(20)
      .execute();
    for (const mail of due) {
      if (!(await this.claim(mail, now))) continue;
      await this.sendOne(mail);
    }
    const next = await storage.db.selectFrom('mail_outbox').select('next_attempt_at').where('status', '=', 'pending').orderBy('next_attempt_at').limit(1).executeTakeFirst();
    if (next) this.loop.wakeIn(Math.max(0, Number(next.next_attempt_at) - clock.now()));
    return due.length === 20;
  }

  /** Takes the mail for this sender unless another took it first (several worker processes). */
  private async claim(mail: MailOutboxTable, now: number): Promise<boolean> {
    const result = await this.deps.storage.db
      .updateTable('mail_outbox')
      .set({ leased_until: now + this.options.leaseMs, attempts: Number(mail.attempts) + 1 })
      .where('id', '=', mail.id)
      .where('status', '=', 'pending')
      .where('attempts', '=', mail.attempts)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  private async sendOne(mail: MailOutboxTable): Promise<void> {
    const { storage, clock, log } = this.deps;
    const kind = mail.kind as MailKind;
    const payload = JSON.parse(mail.payload) as MailPayloads[MailKind];
    const subject = await this.subjectStillThere(kind, payload);
    if (!subject) {
      await this.finish(mail.id, 'cancelled', null);
      return;
    }
    if (!this.transport) {
      log.info(`mail not sent (no LINKWIRE_SMTP_URL): ${kind} to ${mail.recipient}${kind === 'endpoint_failing' ? '' : '; its link can be copied in the dashboard (docs/mail.md)'}`);
      await this.finish(mail.id, 'logged', null);
      return;
    }
    try {
      const link = await this.mintLink(mail, kind, payload);
      const rendered = renderMail(kind, payload, { baseUrl: this.deps.baseUrl, link });
      await this.transport.sendMail({ from: this.deps.from, to: mail.recipient, subject: rendered.subject, text: rendered.text, html: rendered.html });
      await this.finish(mail.id, 'sent', null);
    } catch (err) {
      const attempts = Number(mail.attempts) + 1;
      const delay = this.options.retryDelaysMs[attempts - 1];
      const error = describe(err);
      if (delay === undefined) {
        log.warn(`mail ${mail.id} (${kind}) given up after ${attempts} attempts: ${error}`);
        await this.finish(mail.id, 'failed', error);
        return;
      }
      if (attempts === 1) log.warn(`mail ${mail.id} (${kind}) not sent, retrying: ${error}`);
      await storage.db
        .updateTable('mail_outbox')
        .set({ next_attempt_at: clock.now() + delay, leased_until: null, last_error: error })
        .where('id', '=', mail.id)
        .execute();
    }
  }

  /** An invitation revoked or accepted, or a user gone, since the mail was queued: nothing to send. */
  private async subjectStillThere(kind: MailKind, payload: MailPayloads[MailKind]): Promise<boolean> {
    const { db } = this.deps.storage;
    if (kind === 'invitation') return (await db.selectFrom('invites').select('id').where('id', '=', (payload as MailPayloads['invitation']).invite_id).executeTakeFirst()) !== undefined;
    if (kind === 'password_reset') return (await db.selectFrom('users').select('id').where('id', '=', (payload as MailPayloads['password_reset']).user_id).executeTakeFirst()) !== undefined;
    return true;
  }

  private async mintLink(mail: MailOutboxTable, kind: MailKind, payload: MailPayloads[MailKind]): Promise<string | null> {
    const now = this.deps.clock.now();
    if (kind === 'invitation') {
      const { token } = await mintToken(this.deps.storage.db, { kind: 'invite', subject: (payload as MailPayloads['invitation']).invite_id, now, ttlMs: INVITE_TTL_MS, mailId: mail.id });
      return `${this.deps.baseUrl}/invite/${token}`;
    }
    if (kind === 'password_reset') {
      const { token } = await mintToken(this.deps.storage.db, { kind: 'reset', subject: (payload as MailPayloads['password_reset']).user_id, now, ttlMs: RESET_TTL_MS, mailId: mail.id });
      return `${this.deps.baseUrl}/reset/${token}`;
    }
    return null;
  }

  private async finish(id: string, status: 'sent' | 'logged' | 'failed' | 'cancelled', error: string | null): Promise<void> {
    await this.deps.storage.db
      .updateTable('mail_outbox')
      .set({ status, leased_until: null, last_error: error, ...(status === 'sent' ? { sent_at: this.deps.clock.now() } : {}) })
      .where('id', '=', id)
      .execute();
  }
}

function describe(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.slice(0, 500);
}
