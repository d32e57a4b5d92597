import type { FastifyBaseLogger } from 'fastify';
import { isDatabaseUnavailable } from '../storage/unavailable.js';

/** The hooks every background loop reports through (src/jobs/loop.ts), logged the same way for all. */
export interface JobReports {
  onError: (err: unknown) => void;
  onRecover: (failures: number) => void;
}

/**
 * A loop reports its first failure only (it backs off and reports recovery itself); the database
 * being unreachable is an outage to note, not an error of ours.
 */
export function jobReports(log: FastifyBaseLogger, job: string): JobReports {
  return {
    onError: (err) => (isDatabaseUnavailable(err) ? log.warn({ err }, `${job}: database unavailable, backing off`) : log.error({ err }, `${job} error`)),
    onRecover: (failures) => log.warn(`${job}: working again after ${failures} failed runs`),
  };
}
