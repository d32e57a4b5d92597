import { useState } from 'preact/hooks';
import { ApiError, type Webhook, type WebhookFormat } from '../api';
import { addLinkWebhook } from '../api/links';
import { CopyField, Field } from '../ui';
import { FORMAT_LABELS } from './webhook-format';

interface Outcome {
  created: { url: string; webhook: Webhook }[];
  failed: { url: string; message: string }[];
}

/** The lines of a pasted list: trimmed, blank lines dropped, each URL once. */
export function urlLines(text: string): string[] {
  return [...new Set(text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean))];
}

/**
 * "Enter your webhook URL(s), one per line" (as Linkly's link page has it): every line becomes a
 * webhook of this link's clicks. Each is created on its own; the ones that fail stay in the box
 * with the reason, the others show their signing secret once.
 */
export function LinkWebhookUrls(props: { linkId: string; onCreated: () => void }) {
  const [text, setText] = useState('');
  const [format, setFormat] = useState<WebhookFormat>('standard');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  async function submit(e: Event) {
    e.preventDefault();
    const urls = urlLines(text);
    if (urls.length === 0) {
      setProblem('Paste at least one URL, one per line.');
      return;
    }
    if (urls.length > 20) {
      setProblem(`At most 20 URLs at a time (there are ${urls.length}).`);
      return;
    }
    setProblem(null);
    setBusy(true);
    const result: Outcome = { created: [], failed: [] };
    for (const url of urls) {
      try {
        result.created.push({ url, webhook: await addLinkWebhook(props.linkId, { url, events: ['link.clicked'], format }) });
      } catch (err) {
        result.failed.push({ url, message: err instanceof ApiError ? err.message : 'Something went wrong.' });
      }
    }
    setBusy(false);
    setOutcome(result);
    setText(result.failed.map((f) => f.url).join('\n'));
    if (result.created.length) props.onCreated();
  }

  return (
    <form class="link-webhook-urls" onSubmit={submit} noValidate>
      <Field label="Webhook URLs, one per line" error={problem ?? undefined} hint="Each URL gets this link's clicks as its own webhook.">
        {(id, describedBy) => (
          <textarea
            id={id}
            aria-describedby={describedBy}
            aria-invalid={problem ? 'true' : undefined}
            rows={3}
            class="mono"
            placeholder={'https://hooks.example.com/clicks\nhttps://hooks.zapier.com/…'}
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
        )}
      </Field>
      <Field label="Format of these webhooks">
        {(id) => (
          <select id={id} value={format} onChange={(e) => setFormat(e.currentTarget.value as WebhookFormat)}>
            {(Object.keys(FORMAT_LABELS) as WebhookFormat[]).map((f) => (
              <option key={f} value={f}>
                {FORMAT_LABELS[f]}
              </option>
            ))}
          </select>
        )}
      </Field>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Adding…' : 'Add webhooks'}
        </button>
      </div>
      {outcome && outcome.failed.length > 0 && (
        <div class="error-box" role="alert">
          <p>
            {outcome.failed.length === 1 ? 'One URL was not added' : `${outcome.failed.length} URLs were not added`} (still in the box to fix):
          </p>
          <ul>
            {outcome.failed.map((f) => (
              <li key={f.url}>
                <span class="mono">{f.url}</span>: {f.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      {outcome && outcome.created.length > 0 && (
        <div class="secret-once" role="status">
          <p>
            <strong>
              {outcome.created.length === 1 ? 'One webhook added.' : `${outcome.created.length} webhooks added.`} Copy each signing secret now: you will not see it again.
            </strong>
          </p>
          {outcome.created.map((c) => c.webhook.secret && <CopyField key={c.webhook.id} label={`Signing secret for ${c.url}`} value={c.webhook.secret} secret />)}
        </div>
      )}
    </form>
  );
}
