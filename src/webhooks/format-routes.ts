import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../runtime/clock.js';
import { validationError } from '../errors.js';
import { isEventType } from '../events/event-types.js';
import { isPayloadVersion, NEWEST_PAYLOAD_VERSION, PAYLOAD_VERSIONS, unknownVersionMessage } from '../events/payload-versions.js';
import { sampleEvent } from '../events/samples.js';
import { principalOf } from '../http/auth.js';
import type { IdSource } from '../runtime/ids.js';
import { errors } from '../openapi/refs.js';
import { renderDeliveryBody } from './formats.js';
import { WebhookFormatSchema, type WebhookFormat } from './webhook-schema.js';

/** One line per format, for people choosing one (the dashboard's New Webhook, `GET /api/webhook-formats`). */
export const FORMAT_DESCRIPTIONS: Readonly<Record<WebhookFormat, string>> = {
  standard: 'The Linkwire event envelope as JSON, signed the Standard Webhooks way.',
  slack: 'A readable message for a Slack incoming-webhook URL.',
  discord: 'A readable message for a Discord channel webhook URL.',
  awsys: 'AWSYS.CO’s payload and event names, signed in X-AWSYS-Signature.',
  nobsredir: 'noBSredir’s flat link payload, signed in X-Webhook-Signature (t=…,v1=…).',
  linkzly: 'Linkzly’s {event, data: {link, click, user}} payload, Standard Webhooks signature.',
  snip: 'snip.sa’s url.* events and fields, signed in x-snip-signature.',
  linkly: 'Linkly’s click payload ({event: "click", link, click}); unsigned, as Linkly’s.',
};

const FORMATS = Object.keys(FORMAT_DESCRIPTIONS) as WebhookFormat[];

const WebhookFormatInfo = Type.Object({
  format: WebhookFormatSchema,
  description: Type.String(),
  sample: Type.Object(
    {
      type: Type.String({ description: 'The Linkwire event type the sample is of' }),
      body: Type.String({ description: 'The delivery body, exactly as this format sends it for a sample event (the one "Send test event" sends)' }),
    },
    { additionalProperties: false },
  ),
});

/**
 * `GET /api/webhook-formats?type=`: every format with its one-line description and the body it
 * would send for a sample of `type` (default `link.clicked`), rendered by the delivery renderers
 * themselves, so a preview cannot drift from what a receiver gets.
 */
export function webhookFormatRoutes(deps: { ids: IdSource; clock: Clock; destinations: readonly string[] }) {
  return (app: FastifyInstance): void => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    r.get(
      '/api/webhook-formats',
      {
        schema: {
          summary: 'Webhook formats, each with a description and a sample delivery body',
          querystring: Type.Object({
            type: Type.Optional(Type.String({ maxLength: 64, description: 'The event type of the samples (default link.clicked)' })),
            version: Type.Optional(Type.String({ maxLength: 40, description: 'The payload version of the samples (default: the newest); the dashboard previews an upgrade with it' })),
          }),
          response: {
            200: Type.Object({
              data: Type.Array(WebhookFormatInfo),
              version: Type.String({ description: 'The payload version of the samples' }),
              destinations: Type.Array(Type.String(), {
                description: 'The broker URL prefixes this server accepts as webhook URLs (LINKWIRE_DESTINATIONS, without credentials); empty: HTTPS endpoints only (docs/destinations.md)',
              }),
            }),
            ...errors(400),
          },
        },
      },
      async (request) => {
        const type = request.query.type ?? 'link.clicked';
        if (!isEventType(type)) throw validationError(`type "${type}" is not an event type`, { field: 'type' });
        const asked = request.query.version;
        if (asked !== undefined && !isPayloadVersion(asked)) throw validationError(unknownVersionMessage('version', asked), { field: 'version', versions: PAYLOAD_VERSIONS });
        const version = asked ?? NEWEST_PAYLOAD_VERSION;
        const event = sampleEvent(type, principalOf(request).workspaceId, deps.ids, deps.clock.now());
        return {
          data: FORMATS.map((format) => ({ format, description: FORMAT_DESCRIPTIONS[format], sample: { type, body: renderDeliveryBody(format, event, version) } })),
          version,
          destinations: [...deps.destinations],
        };
      },
    );
  };
}
