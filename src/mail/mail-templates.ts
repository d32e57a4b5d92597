import type { MailKind, MailPayloads } from './mail-queue.js';

export const PRODUCT_NAME = 'Linkwire';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

interface Parts {
  subject: string;
  /** Paragraphs of plain text. */
  lines: string[];
  action?: { label: string; url: string };
  footnote: string;
}

/**
 * Every mail as plain text and as HTML built from the same parts: the product's name, the instance's
 * base URL, no remote images (nothing that loads from elsewhere when the mail is opened).
 * `link` is the invitation's or reset's link, minted when the mail is sent.
 */
export function renderMail<K extends MailKind>(kind: K, payload: MailPayloads[K], context: { baseUrl: string; link: string | null }): RenderedMail {
  return assemble(partsOf(kind, payload, context), context.baseUrl);
}

function partsOf(kind: MailKind, payload: MailPayloads[MailKind], { baseUrl, link }: { baseUrl: string; link: string | null }): Parts {
  switch (kind) {
    case 'invitation': {
      const p = payload as MailPayloads['invitation'];
      return {
        subject: `You are invited to ${p.workspace_name} on ${PRODUCT_NAME}`,
        lines: [
          `${p.inviter_email ?? 'A teammate'} invited you to join the workspace "${p.workspace_name}" on ${PRODUCT_NAME} as ${article(p.role)} ${p.role}.`,
          'Choose a password to accept. The link works once and for 7 days.',
        ],
        ...(link ? { action: { label: 'Accept the invitation', url: link } } : {}),
        footnote: 'If you did not expect this invitation, ignore this mail: nothing happens unless you accept.',
      };
    }
    case 'password_reset':
      return {
        subject: `Reset your ${PRODUCT_NAME} password`,
        lines: ['Someone (hopefully you) asked to reset the password of your account.', 'The link works once and for 1 hour. Resetting signs you out everywhere else.'],
        ...(link ? { action: { label: 'Choose a new password', url: link } } : {}),
        footnote: 'If you did not ask for this, ignore this mail: your password stays as it is.',
      };
    case 'endpoint_failing': {
      const p = payload as MailPayloads['endpoint_failing'];
      const page = `${baseUrl}/settings/webhooks/${encodeURIComponent(p.webhook_id)}`;
      const lines = p.disabled_reason
        ? [`The webhook endpoint "${p.webhook_name}" (${p.webhook_url}) in ${p.workspace_name} was switched off: ${p.disabled_reason}.`, 'Events are no longer sent to it until it is switched on again.']
        : [`The webhook endpoint "${p.webhook_name}" (${p.webhook_url}) in ${p.workspace_name} has failed ${p.failures} times in a row.`, 'Linkwire keeps retrying; endpoints that keep failing are switched off.'];
      lines.push(`Last error: ${p.last_error ?? 'none recorded'}`);
      return {
        subject: p.disabled_reason ? `Webhook "${p.webhook_name}" was switched off` : `Webhook "${p.webhook_name}" has failed ${p.failures} times in a row`,
        lines,
        action: { label: 'Open the endpoint', url: page },
        footnote: `You get this as an owner or admin of ${p.workspace_name}; turn these alerts off in the workspace settings.`,
      };
    }
  }
}

function assemble(parts: Parts, baseUrl: string): RenderedMail {
  const signature = `— ${PRODUCT_NAME}, ${baseUrl}`;
  const text = [...parts.lines, ...(parts.action ? [`${parts.action.label}: ${parts.action.url}`] : []), parts.footnote, signature].join('\n\n') + '\n';
  const paragraphs = parts.lines.map((l) => `<p style="margin:0 0 16px">${escapeHtml(l)}</p>`).join('');
  const action = parts.action
    ? `<p style="margin:0 0 16px"><a href="${escapeHtml(parts.action.url)}" style="display:inline-block;padding:10px 16px;background:#1f4fd1;color:#ffffff;border-radius:6px;text-decoration:none">${escapeHtml(parts.action.label)}</a></p>` +
      `<p style="margin:0 0 16px;font-size:13px;color:#555555">Or paste this address into your browser: ${escapeHtml(parts.action.url)}</p>`
    : '';
  const html =
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(parts.subject)}</title></head>` +
    `<body style="font-family:system-ui,-apple-system,Segoe UI,sans-serif;line-height:1.5;color:#1b1b1b;max-width:560px;margin:0 auto;padding:24px">` +
    `<p style="margin:0 0 24px;font-weight:600;font-size:18px">${PRODUCT_NAME}</p>${paragraphs}${action}` +
    `<p style="margin:24px 0 0;font-size:13px;color:#555555">${escapeHtml(parts.footnote)}</p>` +
    `<p style="margin:8px 0 0;font-size:13px;color:#555555">${escapeHtml(signature)}</p></body></html>`;
  return { subject: parts.subject, text, html };
}

const article = (word: string): string => (/^[aeiou]/i.test(word) ? 'an' : 'a');

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
