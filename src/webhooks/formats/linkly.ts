import { asRecord, type Data } from '../tolerant-readers.js';
import { booleanOr, recordOrNull, scalar, stringOrNull } from './readers.js';
import type { FormatRenderer } from './renderer.js';

/**
 * `linkly` (Linkly, docs/migrating/linkly.md): `{event: "click", timestamp, link: {…}, click: {…}}`
 * in Linkly's field names. Linkly signs nothing (its users put a secret in the URL's query string,
 * which is kept); the Standard Webhooks headers every format carries are there for those who want them.
 * Fields a link may not have yet (`enabled`, `cloaking`, `public_analytics`) fall back to Linkly's
 * defaults; `isp` is null (Linkwire has no ISP database).
 */
export const linklyFormat: FormatRenderer = {
  body(event) {
    const envelope = event.envelope();
    const data = asRecord(envelope.data);
    const link = recordOrNull(data['link']);
    const click = recordOrNull(data['click']);
    if (envelope.type === 'link.clicked' && link && click) {
      return JSON.stringify({
        event: 'click',
        // Linkly's timestamp is the click's.
        timestamp: stringOrNull(click['timestamp']) ?? envelope.timestamp,
        link: linklyLink(link, click),
        click: linklyClick(click),
      });
    }
    // Linkly has no other events; a linkly webhook subscribed to more gets them in the same frame.
    const { link: _link, click: _click, ...rest } = data;
    return JSON.stringify({
      event: envelope.type,
      timestamp: envelope.timestamp,
      ...(link ? { link: linklyLink(link, null) } : {}),
      ...(click ? { click: linklyClick(click) } : {}),
      ...rest,
    });
  },
};

function linklyLink(link: Data, click: Data | null): Data {
  const slug = stringOrNull(link['slug']);
  return {
    id: scalar(link['id']),
    name: stringOrNull(link['title']),
    url: stringOrNull(link['url']),
    full_url: stringOrNull(link['short_url']),
    domain: stringOrNull(link['domain']),
    slug: slug === null ? null : `/${slug}`,
    // The destination of this click, which a rule may have changed.
    destination: (click && stringOrNull(click['destination'])) ?? stringOrNull(link['url']),
    workspace_id: scalar(link['workspace_id']),
    enabled: booleanOr(link['enabled'], true),
    cloaking: booleanOr(link['cloaking'], false),
    forward_params: booleanOr(link['forward_params'], false),
    block_bots: booleanOr(link['block_bots'], false),
    public_analytics: booleanOr(link['public_analytics'], false),
    utm_source: stringOrNull(link['utm_source']),
    utm_medium: stringOrNull(link['utm_medium']),
    utm_campaign: stringOrNull(link['utm_campaign']),
    og_title: stringOrNull(link['og_title']),
    og_description: stringOrNull(link['og_description']),
    rules: Array.isArray(link['rules']) ? link['rules'] : [],
  };
}

function linklyClick(click: Data): Data {
  return {
    country: stringOrNull(click['country']),
    is_eu_country: booleanOr(click['is_eu_country'], false),
    platform: platformOf(stringOrNull(click['device']), stringOrNull(click['os'])),
    browser_name: stringOrNull(click['browser']),
    referer: stringOrNull(click['referrer']),
    isp: null,
    bot_name: stringOrNull(click['bot_name']),
    destination: stringOrNull(click['destination']),
    params: recordOrNull(click['params']) ?? {},
  };
}

/** Linkly's `platform` (desktop, ios, android, …): the device class for computers, the OS for the rest. */
function platformOf(device: string | null, os: string | null): string | null {
  if (device === 'desktop') return 'desktop';
  if (os) {
    const lower = os.toLowerCase();
    if (lower === 'ios' || lower === 'ipados') return 'ios';
    if (lower.startsWith('android')) return 'android';
    if (device === null) return lower;
  }
  return device;
}
