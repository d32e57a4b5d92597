import { Type } from '@sinclair/typebox';
import { Nullable } from '../../schemas/common.js';
import { RuleSchema } from '../../links/link-schema.js';

/*
 * The bodies of the other services' formats (SPEC §5b), as named OpenAPI components: what a
 * receiver of each format gets. `Value.Check`ed against real renders in the tests.
 */

const S = Type.String();
const NS = Nullable(Type.String());

export const AwsysPayloadSchema = Type.Object(
  {
    id: S,
    type: Type.String({ description: 'AWSYS.CO’s event name: `link.click` for a click, else Linkwire’s' }),
    timestamp: S,
    workspace_id: S,
    data: Type.Record(Type.String(), Type.Unknown(), { description: 'The event’s Linkwire data' }),
  },
  { description: '`format: "awsys"`: the Linkwire envelope in AWSYS.CO’s event names; signed in `x-awsys-signature` (hex HMAC-SHA256 of the body)' },
);

export const NobsredirPayloadSchema = Type.Object(
  {
    id: S,
    type: S,
    workspace_id: S,
    timestamp: S,
    data: Type.Union([
      Type.Object({ id: NS, domain: NS, slug: NS, target: NS, short_url: NS }, { additionalProperties: false, description: 'Link events' }),
      Type.Record(Type.String(), Type.Unknown(), { description: 'Domain and member events: the domain or member itself; others: the Linkwire data' }),
    ]),
  },
  { description: '`format: "nobsredir"`; signed in `x-webhook-signature: t=<unix s>,v1=<hex HMAC-SHA256 of "<t>.<body>">`' },
);

export const LinkzlyPayloadSchema = Type.Object(
  {
    event: Type.String({ description: 'Linkzly’s names: `team.member_added`, `team.member_removed`, `api.key_created`; else Linkwire’s' }),
    timestamp: S,
    data: Type.Object(
      {
        link: Type.Optional(Type.Object({ id: S, short_url: NS, original_url: NS, title: NS })),
        click: Type.Optional(Type.Object({ id: NS, ip: NS, user_agent: NS, referrer: NS, country: NS, city: NS, device: NS, browser: NS })),
        user: Nullable(Type.Object({ id: S, email: NS }, { description: 'The link’s creator, else the actor' })),
      },
      { additionalProperties: true, description: 'Other data of the event (a member, a milestone) follows under its Linkwire name' },
    ),
  },
  { description: '`format: "linkzly"`; signed with the Standard Webhooks headers' },
);

export const SnipPayloadSchema = Type.Object(
  {
    event: Type.String({ description: '`url.clicked`, `url.created`, `url.updated`, `url.deleted`; else Linkwire’s name' }),
    timestamp: S,
    data: Type.Union([
      Type.Object({
        urlId: S,
        shortCode: NS,
        originalUrl: NS,
        click: Type.Optional(Type.Object({ country: NS, city: NS, device: NS, browser: NS, os: NS, referrer: Nullable(Type.String({ description: 'The referring domain' })) })),
      }),
      Type.Record(Type.String(), Type.Unknown(), { description: 'Events without a link: the Linkwire data' }),
    ]),
  },
  { description: '`format: "snip"`; sent compact and signed in `x-snip-signature` (hex HMAC-SHA256 of the body = of JSON.stringify(parsed body))' },
);

export const LinklyPayloadSchema = Type.Object(
  {
    event: Type.Literal('click'),
    timestamp: S,
    link: Type.Object({
      id: S,
      name: NS,
      url: NS,
      full_url: NS,
      domain: NS,
      slug: Type.String({ description: '"/" + the slug' }),
      destination: NS,
      workspace_id: S,
      enabled: Type.Boolean(),
      cloaking: Type.Boolean(),
      forward_params: Type.Boolean(),
      block_bots: Type.Boolean(),
      public_analytics: Type.Boolean(),
      utm_source: NS,
      utm_medium: NS,
      utm_campaign: NS,
      og_title: NS,
      og_description: NS,
      rules: Type.Array(RuleSchema),
    }),
    click: Type.Object({
      country: NS,
      is_eu_country: Type.Boolean(),
      platform: Nullable(Type.String({ description: 'desktop, ios, android, …' })),
      browser_name: NS,
      referer: NS,
      isp: Type.Null({ description: 'Always null: no ISP database' }),
      bot_name: NS,
      destination: NS,
      params: Type.Record(Type.String(), Type.String()),
    }),
  },
  { description: '`format: "linkly"` (link.clicked only); unsigned beyond the Standard Webhooks headers every delivery carries' },
);
