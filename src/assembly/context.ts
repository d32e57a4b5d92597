import type { Config } from '../config.js';
import type { Outbox } from '../events/outbox.js';
import type { Clock } from '../runtime/clock.js';
import type { IdSource } from '../runtime/ids.js';
import type { Storage } from '../storage/storage.js';

/**
 * What every service and job of one process is built from: one of each, made once by createApp
 * (src/app.ts) and handed to each role's assembler. A service names the part it needs
 * (`Pick<AppContext, 'storage' | 'clock'>`) or takes it whole, so the assemblers pass the context
 * instead of spelling out the same five fields at every `new`. Low in the layers (scripts/layers.mjs)
 * so the domain services may name it.
 */
export interface AppContext {
  readonly config: Config;
  readonly storage: Storage;
  readonly clock: Clock;
  readonly ids: IdSource;
  /** Domain events, appended in the transaction that caused them. */
  readonly outbox: Outbox;
}
