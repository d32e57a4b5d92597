import type { WebhookFormat } from '../api';
import { webhookFormats } from '../api/webhooks';
import { ErrorBox, Field, useId, useLoad } from '../ui';

/** The formats in the order offered, with the name a person knows each by. */
export const FORMAT_LABELS: Readonly<Record<WebhookFormat, string>> = {
  standard: 'Standard (Linkwire JSON)',
  slack: 'Slack message',
  discord: 'Discord message',
  awsys: 'AWSYS.CO',
  nobsredir: 'noBSredir',
  linkzly: 'Linkzly',
  snip: 'snip.sa',
  linkly: 'Linkly',
};

/** A caller's own secret, as the API accepts it (SPEC §5): 16–256 printable ASCII characters. */
export function ownSecretProblem(secret: string): string | null {
  if (secret.length < 16 || secret.length > 256) return `Must be 16 to 256 characters (this one has ${secret.length}).`;
  if (!/^[\x20-\x7e]*$/.test(secret)) return 'Only printable ASCII characters (letters, digits, punctuation, spaces).';
  return null;
}

/**
 * The format select, the chosen format's one-line description and the body it would send for a
 * sample event of `sampleType`. Descriptions and samples come from `GET /api/webhook-formats`,
 * rendered by the server's delivery renderers (they sign with node:crypto and cannot run here),
 * so the preview is what a receiver gets.
 */
export function FormatPicker(props: { value: WebhookFormat; onChange: (v: WebhookFormat) => void; sampleType: string; error?: string | undefined }) {
  const formats = useLoad(() => webhookFormats(props.sampleType), [props.sampleType]);
  const chosen = formats.data?.data.find((f) => f.format === props.value);
  const previewId = useId('preview');
  return (
    <div class="format-picker">
      <Field label="Format" error={props.error} hint={chosen?.description ?? ' '}>
        {(id, describedBy) => (
          <select id={id} aria-describedby={describedBy} value={props.value} onChange={(e) => props.onChange(e.currentTarget.value as WebhookFormat)}>
            {(Object.keys(FORMAT_LABELS) as WebhookFormat[]).map((f) => (
              <option key={f} value={f}>
                {FORMAT_LABELS[f]}
              </option>
            ))}
          </select>
        )}
      </Field>
      <ErrorBox error={formats.error} />
      {chosen && (
        <figure class="format-preview">
          <figcaption id={previewId}>
            Sample payload: {FORMAT_LABELS[props.value]}, <span class="mono">{chosen.sample.type}</span>
          </figcaption>
          <pre tabIndex={0} aria-labelledby={previewId}>
            {pretty(chosen.sample.body)}
          </pre>
        </figure>
      )}
    </div>
  );
}

function pretty(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}
