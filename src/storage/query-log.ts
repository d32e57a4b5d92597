import type { KyselyConfig } from 'kysely';

/** Told every statement run, BEGIN and COMMIT included, with its time: for a probe or a test that counts statements. */
export type QueryObserver = (sql: string, ms: number) => void;

/** Kysely's `log` option for an observer (nothing at all without one: logging costs a microtask per statement). */
export function queryLog(observer: QueryObserver | undefined): Pick<KyselyConfig, 'log'> {
  if (!observer) return {};
  return {
    log(event) {
      if (event.level === 'query') observer(event.query.sql, event.queryDurationMillis);
    },
  };
}
