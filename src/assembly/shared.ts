import type { FastifyBaseLogger } from 'fastify';
import { AccountsService } from '../accounts/accounts-service.js';
import { PlanTable } from '../accounts/plans.js';
import { DeliveryService } from '../delivery/delivery-service.js';
import { DomainService } from '../domains/domain-service.js';
import { EventStreamHub, type EventStreamOptions } from '../events/event-stream.js';
import { createFramingCheck } from '../links/framing-check.js';
import { LinkService } from '../links/link-service.js';
import { MailQueue } from '../mail/mail-queue.js';
import type { Metrics } from '../metrics/metrics.js';
import { CidrSet } from '../net/cidr.js';
import { createTargetClient } from '../outbound/target-client.js';
import { createDeliveryTransport, type DeliveryTransport } from '../outbound/transport.js';
import type { AppContext } from './context.js';

/**
 * The process-wide parts beyond the AppContext that more than one role uses, built once by
 * createApp: each role's assembler (api.ts, worker.ts, redirect.ts) takes the context, these
 * and the app's options, and nothing else.
 */
export interface SharedParts {
  readonly log: FastifyBaseLogger;
  readonly metrics: Metrics;
  /** The open /api/events/stream connections (the api serves them, the worker's attempts feed them). */
  readonly streams: EventStreamHub;
  readonly plans: PlanTable;
  /** Mail queued by the api, sent by the worker role. */
  readonly mail: MailQueue;
  readonly accounts: AccountsService;
  readonly links: LinkService;
  /** Custom domains: the api edits them, the worker re-checks their DNS. */
  readonly domains: DomainService;
  /** Webhook attempts over HTTPS or to a broker: the worker's sends, the api's replays and test sends. */
  readonly transport: DeliveryTransport;
  readonly deliveries: DeliveryService;
}

/**
 * Builds the shared parts. The outbound clients check every destination against the SSRF rules
 * (LINKWIRE_ALLOW_PRIVATE_WEBHOOK_TARGETS): one for webhook attempts, one that asks a cloaked
 * link's destinations whether they may be framed (plain http allowed there, as for link monitoring).
 */
export function createSharedParts(
  ctx: AppContext,
  parts: { log: FastifyBaseLogger; metrics: Metrics; streamOptions?: Partial<EventStreamOptions> | undefined; wakeMailSender: () => void },
): SharedParts & { close(): Promise<void> } {
  const { config, storage, clock, ids } = ctx;
  const plans = new PlanTable(config.plans);
  // Mail queued here is sent by the worker role; in a process that has one, it looks at once.
  const mail = new MailQueue(ids, clock, parts.wakeMailSender);
  const accounts = new AccountsService({ ...ctx, plans, mail });
  const destinationClient = createTargetClient({ allowPrivate: new CidrSet(config.allowPrivateWebhookTargets), dnsServer: config.dnsServer, allowPublicHttp: true, connectionsPerOrigin: 2 });
  const links = new LinkService({ ...ctx, framing: createFramingCheck(destinationClient) });
  const targetClient = createTargetClient({ allowPrivate: new CidrSet(config.allowPrivateWebhookTargets), dnsServer: config.dnsServer, connectionsPerOrigin: 64 });
  // Webhook attempts go over HTTPS or, for a broker URL (LINKWIRE_DESTINATIONS), to that broker.
  const transport = createDeliveryTransport(targetClient);
  return {
    log: parts.log,
    metrics: parts.metrics,
    streams: new EventStreamHub(storage, parts.streamOptions),
    plans,
    mail,
    accounts,
    links,
    domains: new DomainService({ ...ctx, links }),
    transport,
    deliveries: new DeliveryService({ ...ctx, client: transport }),
    async close() {
      await transport.close();
      await destinationClient.close();
    },
  };
}
