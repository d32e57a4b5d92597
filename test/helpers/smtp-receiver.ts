import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A mail as the receiver got it: envelope, headers and the decoded text of every part. */
export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  raw: string;
  /** The raw message with quoted-printable soft breaks and escapes undone: links read whole. */
  decoded: string;
}

/**
 * A real SMTP server on loopback (the smtp-server package), keeping what arrives. No TLS, no AUTH:
 * the sender talks plain SMTP to 127.0.0.1. `stop()` then `start()` on the same port simulates an
 * outage of the mail server.
 */
export class SmtpReceiver {
  readonly mails: ReceivedMail[] = [];
  private server: SMTPServer | null = null;
  port = 0;

  async start(port = this.port): Promise<this> {
    const server = new SMTPServer({
      disabledCommands: ['STARTTLS', 'AUTH'],
      authOptional: true,
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const decoded = raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
          const subject = /^Subject: (.*(?:\r?\n[ \t].*)*)/m.exec(raw)?.[1]?.replace(/\r?\n(?=[ \t])/g, '') ?? '';
          this.mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: decodeMimeWords(subject),
            raw,
            decoded,
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  to(address: string): ReceivedMail[] {
    return this.mails.filter((m) => m.to.includes(address));
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** The first `<base>/<kind>/<token>` link in a mail. */
export function linkIn(mail: ReceivedMail, kind: 'invite' | 'reset'): string {
  const match = new RegExp(`https?://[^\\s"<>]+/${kind}/[A-Za-z0-9_-]+`).exec(mail.decoded);
  if (!match) throw new Error(`no /${kind}/ link in the mail "${mail.subject}"`);
  return match[0];
}

function decodeMimeWords(text: string): string {
  // Whitespace between two encoded words is not part of the text (RFC 2047).
  return text.replace(/\?=\s+=\?/g, '?==?').replace(/=\?utf-8\?([BQ])\?([^?]*)\?=/gi, (_m, enc: string, body: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(body, 'base64').toString('utf8') : body.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))),
  );
}
