import { Command } from 'commander';
import { generateWebhookSecret, isWebhookSecret } from '../webhooks/signing.js';
import { buildDeliveryRequest } from '../delivery/request.js';
import { FIRST_PAYLOAD_VERSION } from '../events/payload-versions.js';
import { storedEventFromEnvelope, type EventEnvelope } from '../events/outbox.js';
import { createIdSource } from '../runtime/ids.js';
import { inProcessWebhook, type WebhookView } from '../webhooks/webhook-model.js';
import { clientOf, commaList, outputOf, UsageError, withJson } from './context.js';
import { followEvents } from './events.js';
import { escapeControls, note, paint, printJsonLine } from './output.js';

const FORWARD_TIMEOUT_MS = 10_000;
/**
 * Forwards at once: a slow local endpoint holds up only its own event. Beyond this many the
 * stream is not read further until one finishes (the bounded buffer: memory stays flat, and the
 * server keeps what was not read yet).
 */
export const MAX_IN_FLIGHT = 8;
/** A local endpoint's answer is read as it streams and dropped, up to this much; never buffered whole. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * `linkwire listen --forward-to <url>`: the local development loop of `stripe listen`. Follows the
 * live stream and POSTs each event to a local URL exactly as a delivery would be sent (same
 * body, same headers, built by the server's own code), signed with a secret made for this
 * session. Plain http:// is fine: the user's own machine sends it, to itself.
 */
export function listenCommand(): Command {
  return withJson(new Command('listen'))
    .description('forward new events to a local URL, signed like real deliveries (Ctrl-C to stop)')
    .requiredOption('--forward-to <url>', 'where to POST each event, e.g. http://localhost:3000/webhooks')
    .option('--events <types>', 'only these event types (comma list)', commaList)
    .option('--secret <whsec_…>', 'sign with this secret instead of a new one')
    .action(async (opts: { forwardTo: string; events?: string[]; secret?: string }, cmd: Command) => {
      let target: URL;
      try {
        target = new URL(opts.forwardTo);
      } catch {
        throw new UsageError(`--forward-to must be a URL, got "${opts.forwardTo}"`);
      }
      if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new UsageError('--forward-to must be an http:// or https:// URL');
      const json = outputOf(cmd).json;
      if (opts.secret !== undefined && !isWebhookSecret(opts.secret)) throw new UsageError('--secret must be "whsec_" followed by base64 of 24–32 bytes');
      const secret = opts.secret ?? generateWebhookSecret();
      const ids = createIdSource();
      const webhook = listenerWebhook(target.toString(), secret);
      const client = clientOf(cmd);
      if (!json) process.stdout.write(`Your webhook signing secret is ${paint('bold', secret)}\n`);
      const slots = new Slots(MAX_IN_FLIGHT);
      const inFlight = new Set<Promise<void>>();

      const forward = async (envelope: EventEnvelope) => {
        const request = buildDeliveryRequest({ webhook, event: storedEventFromEnvelope(envelope), deliveryId: ids.next('dlv'), attempt: 1, nowMs: Date.now() });
        const started = performance.now();
        let status: number | null = null;
        let error: string | null = null;
        try {
          const res = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body, redirect: 'manual', signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS) });
          status = res.status;
          await drain(res.body, MAX_RESPONSE_BYTES);
        } catch (err) {
          const cause = (err as { cause?: { code?: string } }).cause;
          error = cause?.code ?? (err as Error).message;
        }
        const ms = Math.round(performance.now() - started);
        if (json) printJsonLine({ event_id: envelope.id, type: envelope.type, status_code: status, response_time_ms: ms, error });
        else {
          const ok = status !== null && status >= 200 && status < 300;
          const result = status === null ? paint('red', `failed: ${escapeControls(error ?? '')}`) : paint(ok ? 'green' : 'red', `[${status}]`);
          process.stdout.write(`${paint('dim', new Date().toISOString())}  --> ${paint('cyan', escapeControls(envelope.type))} ${escapeControls(envelope.id)}  <-- ${result} ${ms} ms\n`);
        }
      };

      await followEvents(client, {
        types: opts.events ?? null,
        // Ready once the stream is open: events from here on are forwarded.
        onFirstConnect: () => {
          if (json) printJsonLine({ ready: true, forward_to: target.toString(), secret, events: opts.events ?? ['*'] });
          else process.stdout.write(`Ready! Forwarding events to ${target.toString()} (Ctrl-C to quit)\n`);
        },
        onMessage: async (m) => {
          if (m.event === 'delivery.attempted') return;
          const envelope = JSON.parse(m.data) as EventEnvelope;
          // Waits (and so stops reading the stream) only while MAX_IN_FLIGHT forwards are running.
          await slots.acquire();
          const task = forward(envelope).finally(() => {
            slots.release();
            inFlight.delete(task);
          });
          inFlight.add(task);
        },
      });
      // Ctrl-C: what is on its way still gets its answer printed (each send has its own timeout).
      await Promise.all(inFlight);
      if (!json) note('stopped');
    });
}

/** A counting semaphore: at most `size` holders; the others wait in order. */
class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

/** Reads a response body as it arrives, keeping nothing, and stops (closing it) after `max` bytes. */
async function drain(body: ReadableStream<Uint8Array> | null, max: number): Promise<void> {
  if (!body) return;
  const reader = body.getReader();
  let seen = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      seen += value.byteLength;
      if (seen >= max) {
        await reader.cancel();
        return;
      }
    }
  } finally {
    reader.releaseLock();
  }
}

function listenerWebhook(url: string, secret: string): WebhookView {
  return inProcessWebhook(
    {
      id: 'wh_listen',
      workspaceId: '',
      name: 'linkwire listen',
      url,
      // The stream's envelopes as they are: the version that is today's envelope exactly.
      payloadVersion: FIRST_PAYLOAD_VERSION,
      timeoutMs: FORWARD_TIMEOUT_MS,
      retry: { mode: 'none' },
      format: 'standard',
      secret,
    },
    Date.now(),
  );
}
