import { createDeliveryEngine, type DeliveryEngine } from '../delivery/engine.js';
import { DomainVerifier } from '../domains/domain-verifier.js';
import type { BackgroundJob } from '../jobs/background-job.js';
import { ExpiryTimer } from '../links/expiry-timer.js';
import { EndpointAlerts } from '../mail/endpoint-alerts.js';
import { MailSender } from '../mail/mail-sender.js';
import { deliveryMetrics } from '../metrics/delivery-observer.js';
import { LinkMonitor } from '../monitoring/link-monitor.js';
import { RetentionJob } from '../retention/retention-job.js';
import type { AppContext } from './context.js';
import { jobReports } from './job-reports.js';
import type { AppOptions } from './options.js';
import type { SharedParts } from './shared.js';

export interface WorkerRole {
  /** Fan-out and sends: the deliveries of the events this process's outbox (and others') commits. */
  readonly engine: DeliveryEngine;
  readonly mailSender: MailSender;
  /** In start order (stopped in reverse): the engine's first. */
  readonly jobs: BackgroundJob[];
}

/** The worker role: deliveries, mail, link checks, retention, link expiry and domain checks, as background jobs. */
export function assembleWorker(ctx: AppContext, shared: SharedParts, options: AppOptions): WorkerRole {
  const { config, clock } = ctx;
  const { log, metrics, streams, mail } = shared;
  const engine = createDeliveryEngine({
    ...ctx,
    client: shared.transport,
    random: options.random ?? Math.random,
    workerOptions: { leaseMs: config.deliveryLeaseMs, ...options.workerOptions },
    onError: jobReports(log, 'delivery engine').onError,
    onRecover: (job, failures) => jobReports(log, job).onRecover(failures),
    observer: {
      ...deliveryMetrics(metrics, () => clock.now()),
      attemptsCommitted: (notices) => {
        streams.attemptsCommitted(notices);
        options.onAttemptsCommitted?.(notices);
      },
    },
    alerts: new EndpointAlerts(mail),
  });
  const mailSender = new MailSender(
    { ...ctx, baseUrl: config.baseUrl, smtpUrl: config.smtpUrl, from: config.mailFrom, log: { info: (m) => log.info(m), warn: (m) => log.warn(m) } },
    options.mailOptions,
    jobReports(log, 'mail sender').onError,
  );
  const jobs: BackgroundJob[] = [
    ...engine.jobs,
    mailSender,
    new LinkMonitor(ctx, { ...jobReports(log, 'link monitor'), ...options.monitorOptions }),
    new RetentionJob(ctx, jobReports(log, 'retention')),
    new ExpiryTimer(ctx, jobReports(log, 'link expiry')),
    new DomainVerifier(shared.domains, { onError: (err) => log.error({ err }, 'domain check failed') }),
  ];
  return { engine, mailSender, jobs };
}
