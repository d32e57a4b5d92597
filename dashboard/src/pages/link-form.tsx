import { useState } from 'preact/hooks';
import type { Body, Link, Rule } from '../api';
import { createLink, updateLink } from '../api/links';
import { Check, ErrorBox, Field, TextField, fieldErrors } from '../ui';

const list = (s: string) =>
  s
    .split(/[,\n]/)
    .map((x) => x.trim())
    .filter(Boolean);
const orNull = (s: string) => (s.trim() === '' ? null : s.trim());

/** ISO ↔ the local time a datetime-local input shows. */
function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

interface RuleRow {
  what: Rule['what'];
  matches: string;
  url: string;
  weight: string;
}

const RULE_HINT: Record<Rule['what'], string> = {
  country: 'ISO country codes, e.g. US, CA',
  device: 'desktop, mobile, tablet…',
  os: 'iOS, Android, Windows…',
  rotator: 'no match: picked by weight',
};

function RulesEditor(props: { rows: RuleRow[]; onChange: (rows: RuleRow[]) => void; error?: string | undefined }) {
  const set = (i: number, change: Partial<RuleRow>) => props.onChange(props.rows.map((r, j) => (j === i ? { ...r, ...change } : r)));
  return (
    <fieldset class="rules">
      <legend>Routing rules</legend>
      <p class="hint">The first matching rule picks the destination; rotator rules split traffic by weight. Without a match the destination URL is used.</p>
      {props.rows.length === 0 && <p class="muted">No rules.</p>}
      {props.rows.map((row, i) => (
        <div class="rule-row" key={i} role="group" aria-label={`Rule ${i + 1}`}>
          <label>
            <span>When</span>
            <select value={row.what} onChange={(e) => set(i, { what: e.currentTarget.value as Rule['what'] })}>
              <option value="country">Country</option>
              <option value="device">Device</option>
              <option value="os">OS</option>
              <option value="rotator">Rotator</option>
            </select>
          </label>
          {row.what !== 'rotator' ? (
            <label>
              <span>Matches</span>
              <input value={row.matches} placeholder={RULE_HINT[row.what]} onInput={(e) => set(i, { matches: e.currentTarget.value })} />
            </label>
          ) : (
            <label>
              <span>Weight</span>
              <input type="number" min={1} max={10000} value={row.weight} onInput={(e) => set(i, { weight: e.currentTarget.value })} />
            </label>
          )}
          <label class="grow">
            <span>Go to URL</span>
            <input type="url" value={row.url} onInput={(e) => set(i, { url: e.currentTarget.value })} />
          </label>
          <button type="button" class="ghost" aria-label={`Remove rule ${i + 1}`} onClick={() => props.onChange(props.rows.filter((_, j) => j !== i))}>
            Remove
          </button>
        </div>
      ))}
      {props.error && (
        <small class="field-error" role="alert">
          {props.error}
        </small>
      )}
      <button type="button" onClick={() => props.onChange([...props.rows, { what: 'country', matches: '', url: '', weight: '1' }])}>
        Add rule
      </button>
    </fieldset>
  );
}

/** Create or edit a link, with every field the API takes. */
export function LinkForm(props: { link?: Link; domains: string[]; onSaved: (link: Link) => void; onCancel?: () => void }) {
  const l = props.link;
  const [v, setV] = useState({
    url: l?.url ?? '',
    domain: l?.domain ?? '',
    slug: l?.slug ?? '',
    title: l?.title ?? '',
    tags: l?.tags.join(', ') ?? '',
    expires_at: toLocalInput(l?.expires_at ?? null),
    expired_url: l?.expired_url ?? '',
    max_clicks: l?.max_clicks ? String(l.max_clicks) : '',
    geo_block: l?.geo_block.join(', ') ?? '',
    utm_source: l?.utm_source ?? '',
    utm_medium: l?.utm_medium ?? '',
    utm_campaign: l?.utm_campaign ?? '',
    utm_term: l?.utm_term ?? '',
    utm_content: l?.utm_content ?? '',
    og_title: l?.og_title ?? '',
    og_description: l?.og_description ?? '',
  });
  const [flags, setFlags] = useState({ forward_params: l?.forward_params ?? false, block_bots: l?.block_bots ?? false, monitor: l?.monitor ?? false });
  const [rules, setRules] = useState<RuleRow[]>(
    (l?.rules ?? []).map((r) => ({ what: r.what, matches: Array.isArray(r.matches) ? r.matches.join(', ') : (r.matches ?? ''), url: r.url, weight: String(r.weight ?? 1) })),
  );
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const errors = fieldErrors(error);
  const text = (name: keyof typeof v, label: string, extra: Record<string, unknown> = {}) => (
    <TextField label={label} value={v[name]} onValue={(x) => setV({ ...v, [name]: x })} error={errors[name]} {...extra} />
  );

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const body: Record<string, unknown> = {
      url: v.url.trim(),
      title: orNull(v.title),
      tags: list(v.tags),
      expires_at: v.expires_at ? new Date(v.expires_at).toISOString() : null,
      expired_url: orNull(v.expired_url),
      max_clicks: v.max_clicks ? Number(v.max_clicks) : null,
      geo_block: list(v.geo_block).map((c) => c.toUpperCase()),
      rules: rules.map((r) =>
        r.what === 'rotator' ? { what: r.what, url: r.url.trim(), weight: Number(r.weight) || 1 } : { what: r.what, matches: list(r.matches), url: r.url.trim() },
      ),
      utm_source: orNull(v.utm_source),
      utm_medium: orNull(v.utm_medium),
      utm_campaign: orNull(v.utm_campaign),
      utm_term: orNull(v.utm_term),
      utm_content: orNull(v.utm_content),
      og_title: orNull(v.og_title),
      og_description: orNull(v.og_description),
      ...flags,
    };
    if (v.slug.trim()) body.slug = v.slug.trim();
    if (v.domain) body.domain = v.domain;
    try {
      // The form checks what a person can get wrong; the server checks every field.
      const saved = l ? await updateLink(l.id, body) : await createLink(body as Body<'/api/links', 'post'>);
      props.onSaved(saved);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  // A section holding a field the server refused opens by itself, so the error is seen.
  const has = (...names: string[]) => (names.some((n) => errors[n]) ? true : undefined);
  const unshown = Object.keys(errors).filter((k) => !(k in v) && k !== 'rules');
  return (
    <form class="link-form" onSubmit={submit} noValidate>
      {text('url', 'Destination URL', { type: 'url', required: true, placeholder: 'https://example.com/page' })}
      <div class="grid2">
        <Field label="Domain" error={errors.domain}>
          {(id) => (
            <select id={id} value={v.domain} onChange={(e) => setV({ ...v, domain: e.currentTarget.value })}>
              <option value="">Default domain</option>
              {props.domains.map((d) => (
                <option key={d} value={d}>
                  {d}
                </option>
              ))}
            </select>
          )}
        </Field>
        {text('slug', 'Slug', { placeholder: 'random when empty', hint: 'Letters, digits, - and _' })}
      </div>
      {text('title', 'Title')}
      {text('tags', 'Tags', { hint: 'Comma-separated' })}
      <details open={has('expires_at', 'expired_url', 'max_clicks', 'geo_block')}>
        <summary>Expiry and limits</summary>
        <div class="grid2">
          {text('expires_at', 'Expires at', { type: 'datetime-local' })}
          {text('expired_url', 'After expiry, send to', { type: 'url', placeholder: 'shows 410 Gone when empty' })}
          {text('max_clicks', 'Click limit', { type: 'number', min: 1 })}
          {text('geo_block', 'Blocked countries', { hint: 'ISO codes, e.g. RU, KP' })}
        </div>
      </details>
      <details open={has('rules')}>
        <summary>Routing rules</summary>
        <RulesEditor rows={rules} onChange={setRules} error={errors.rules} />
      </details>
      <details open={has('utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content')}>
        <summary>UTM parameters</summary>
        <div class="grid2">
          {text('utm_source', 'utm_source')}
          {text('utm_medium', 'utm_medium')}
          {text('utm_campaign', 'utm_campaign')}
          {text('utm_term', 'utm_term')}
          {text('utm_content', 'utm_content')}
        </div>
      </details>
      <details open={has('og_title', 'og_description')}>
        <summary>Social preview (Open Graph)</summary>
        {text('og_title', 'Preview title')}
        {text('og_description', 'Preview description')}
      </details>
      <div class="checks">
        <Check label="Forward query parameters" hint="The visitor's ?a=b is added to the destination" checked={flags.forward_params} onChange={(x) => setFlags({ ...flags, forward_params: x })} />
        <Check label="Block bots" hint="Known bots get 403" checked={flags.block_bots} onChange={(x) => setFlags({ ...flags, block_bots: x })} />
        <Check label="Monitor the destination" hint="Health-checked; link.broken / link.recovered fire" checked={flags.monitor} onChange={(x) => setFlags({ ...flags, monitor: x })} />
      </div>
      <ErrorBox error={unshown.length || !Object.keys(errors).length ? error : null} />
      <div class="actions">
        {props.onCancel && (
          <button type="button" class="ghost" onClick={props.onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Saving…' : l ? 'Save changes' : 'Create link'}
        </button>
      </div>
    </form>
  );
}
